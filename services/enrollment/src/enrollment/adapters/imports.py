"""The imports and import_errors tables: progress committed with each chunk of rows;
and the proposals an import created."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence

import asyncpg
from jkn_contracts import Actor

from enrollment.adapters.proposals import actor_columns
from enrollment.domain.import_progress import Progress, StoredError

__all__ = [
    "Progress",
    "StoredError",
    "copy_errors",
    "create",
    "errors_of",
    "find",
    "finish",
    "insert_errors",
    "iter_errors",
    "iter_receipts",
    "latest_with_content",
    "save_progress",
]

_ERROR_COLUMNS = "line, field, rule, message, severity, first_line, existing_proposal_id"


async def create(
    conn: asyncpg.Connection,
    import_id: uuid.UUID,
    *,
    proposed_by: str,
    sha256: str,
    resumed_from: uuid.UUID | None,
    progress: Progress,
    actor: Actor | None = None,
) -> None:
    """Register an import and who started it (``actor``)."""
    await conn.execute(
        "INSERT INTO imports (import_id, proposed_by, content_sha256, resumed_from,"
        " resumed_after_line, lines_read, accepted, rejected, duplicates, warnings,"
        " last_committed_line, actor_id, actor_agency, actor_kind)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $5, $11, $12, $13)",
        import_id,
        proposed_by,
        sha256,
        resumed_from,
        progress.last_committed_line,
        progress.lines_read,
        progress.accepted,
        progress.rejected,
        progress.duplicates,
        progress.warnings,
        *actor_columns(actor),
    )


async def latest_with_content(conn: asyncpg.Connection, sha256: str) -> asyncpg.Record | None:
    """The most recent import of the same file content, if any."""
    return await conn.fetchrow(
        "SELECT * FROM imports WHERE content_sha256 = $1 ORDER BY started_at DESC LIMIT 1", sha256
    )


async def copy_errors(
    conn: asyncpg.Connection, source: uuid.UUID, target: uuid.UUID, up_to_line: int
) -> None:
    """Carry the report of the lines an interrupted import applied into its continuation."""
    await conn.execute(
        f"INSERT INTO import_errors (import_id, {_ERROR_COLUMNS}) SELECT $2, {_ERROR_COLUMNS}"  # noqa: S608 - constant columns
        " FROM import_errors WHERE import_id = $1 AND line <= $3 ORDER BY id",
        source,
        target,
        up_to_line,
    )


async def insert_errors(
    conn: asyncpg.Connection, import_id: uuid.UUID, errors: Sequence[StoredError]
) -> None:
    if not errors:
        return
    await conn.executemany(
        f"INSERT INTO import_errors (import_id, {_ERROR_COLUMNS})"  # noqa: S608 - constant columns
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            (
                import_id,
                e.error.line,
                e.error.field,
                e.error.rule,
                e.error.message,
                e.severity,
                e.error.first_line,
                e.existing_proposal_id,
            )
            for e in errors
        ],
    )


async def save_progress(conn: asyncpg.Connection, import_id: uuid.UUID, p: Progress) -> None:
    await conn.execute(
        "UPDATE imports SET lines_read = $2, accepted = $3, rejected = $4, duplicates = $5,"
        " warnings = $6, last_committed_line = $7, updated_at = now() WHERE import_id = $1",
        import_id,
        p.lines_read,
        p.accepted,
        p.rejected,
        p.duplicates,
        p.warnings,
        p.last_committed_line,
    )


async def finish(
    conn: asyncpg.Connection | asyncpg.Pool,
    import_id: uuid.UUID,
    status: str,
    failure: str | None = None,
) -> None:
    """Set the final status of a running import (a finished one is left as it is)."""
    await conn.execute(
        "UPDATE imports SET status = $2, failure = $3, updated_at = now(), finished_at = now()"
        " WHERE import_id = $1 AND status = 'running'",
        import_id,
        status,
        failure,
    )


async def find(
    conn: asyncpg.Connection | asyncpg.Pool, import_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM imports WHERE import_id = $1", import_id)


async def errors_of(
    conn: asyncpg.Connection | asyncpg.Pool, import_id: uuid.UUID, *, offset: int, limit: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"SELECT {_ERROR_COLUMNS} FROM import_errors WHERE import_id = $1"  # noqa: S608 - constant
            " ORDER BY line, id OFFSET $2 LIMIT $3",
            import_id,
            offset,
            limit,
        )
    )


async def iter_errors(pool: asyncpg.Pool, import_id: uuid.UUID) -> AsyncIterator[asyncpg.Record]:
    """Every error of an import, in line order, without holding them all in memory."""
    async with pool.acquire() as conn, conn.transaction():
        async for row in conn.cursor(
            f"SELECT {_ERROR_COLUMNS} FROM import_errors"  # noqa: S608 - constant columns
            " WHERE import_id = $1 ORDER BY line, id",
            import_id,
        ):
            yield row


# An import that continues an interrupted one (same file) reports the lines that one
# applied as its own (copy_errors, the carried-over counts): its proposals are walked too.
_RECEIPTS = """
WITH RECURSIVE chain (import_id, resumed_from, resumed_after_line, up_to_line) AS (
    SELECT import_id, resumed_from, resumed_after_line, NULL::int FROM imports
    WHERE import_id = $1
  UNION ALL
    SELECT i.import_id, i.resumed_from, i.resumed_after_line, c.resumed_after_line
    FROM imports i JOIN chain c ON i.import_id = c.resumed_from
)
SELECT p.import_line AS line, p.proposal_id, p.receipt_hash
FROM chain c JOIN proposals p ON p.import_id = c.import_id
WHERE c.up_to_line IS NULL OR p.import_line <= c.up_to_line
ORDER BY p.import_line
"""


async def iter_receipts(pool: asyncpg.Pool, import_id: uuid.UUID) -> AsyncIterator[asyncpg.Record]:
    """line, proposal_id and receipt_hash of every proposal the import created, in line
    order, without holding them all in memory."""
    async with pool.acquire() as conn, conn.transaction():
        async for row in conn.cursor(_RECEIPTS, import_id):
            yield row
