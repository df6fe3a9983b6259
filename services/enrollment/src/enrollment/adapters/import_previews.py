"""What imports need of the database (``app.ports.ImportStore``): an import's preview and
its decision (maker-checker: the imports row of a file that waits for a second Dinsos
officer, its sealed content, and who decided), and, from ``adapters.imports`` and
``adapters.proposals``, what an approved import's chunks write."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from jkn_contracts import Actor

from enrollment.adapters.imports import (
    StoredError,
    copy_errors,
    finish,
    insert_errors,
    save_progress,
)
from enrollment.adapters.proposals import actor_columns, actor_from, existing_ids, insert_many
from enrollment.domain import LineError

__all__ = [
    "clear_errors",
    "copy_errors",
    "create_preview",
    "decide",
    "existing_ids",
    "finish",
    "insert_errors",
    "insert_issues",
    "insert_many",
    "latest_run_of",
    "lock",
    "running",
    "save_progress",
    "set_resumed",
    "uploader_of",
]


async def create_preview(
    conn: asyncpg.Connection,
    import_id: uuid.UUID,
    *,
    proposed_by: str,
    sha256: str,
    actor: Actor | None,
    preview: dict[str, Any],
    sealed: bytes,
) -> None:
    """Store a previewed import: its counts and its sealed file; nothing is proposed."""
    await conn.execute(
        "INSERT INTO imports (import_id, proposed_by, content_sha256, status, preview,"
        " content_sealed, actor_id, actor_agency, actor_kind)"
        " VALUES ($1, $2, $3, 'preview', $4::jsonb, $5, $6, $7, $8)",
        import_id,
        proposed_by,
        sha256,
        json.dumps(preview),
        sealed,
        *actor_columns(actor),
    )


async def insert_issues(
    conn: asyncpg.Connection, import_id: uuid.UUID, issues: Sequence[tuple[LineError, str]]
) -> None:
    """A preview's line errors and warnings, as the import's report lists them."""
    await insert_errors(conn, import_id, [StoredError(e, severity) for e, severity in issues])


async def clear_errors(conn: asyncpg.Connection, import_id: uuid.UUID) -> None:
    """Drop a preview's report: the approved import writes it again as it applies the rows
    (with ALREADY_PROPOSED, known only then)."""
    await conn.execute("DELETE FROM import_errors WHERE import_id = $1", import_id)


async def lock(conn: asyncpg.Connection, import_id: uuid.UUID) -> asyncpg.Record | None:
    """The import's row, locked until the transaction ends (one decision per import)."""
    return await conn.fetchrow("SELECT * FROM imports WHERE import_id = $1 FOR UPDATE", import_id)


def uploader_of(row: asyncpg.Record) -> Actor | None:
    return actor_from(row)


async def latest_run_of(
    conn: asyncpg.Connection, sha256: str, other_than: uuid.UUID
) -> asyncpg.Record | None:
    """The most recent approved import of the same file content, if any (previews and
    rejected imports never ran)."""
    return await conn.fetchrow(
        "SELECT * FROM imports WHERE content_sha256 = $1 AND import_id <> $2"
        " AND status NOT IN ('preview', 'rejected') ORDER BY started_at DESC LIMIT 1",
        sha256,
        other_than,
    )


async def decide(
    conn: asyncpg.Connection,
    import_id: uuid.UUID,
    status: str,
    actor: Actor,
    event_id: uuid.UUID,
) -> None:
    """Record a preview's decision: 'running' (approved: it starts now) or 'rejected', by
    ``actor``, stated by the event ``event_id``. The sealed file is dropped either way."""
    await conn.execute(
        "UPDATE imports SET status = $2, decided_at = now(), decided_by_id = $3,"
        " decided_by_agency = $4, decided_by_kind = $5, decision_event_id = $6,"
        " content_sealed = NULL, updated_at = now(),"
        " started_at = CASE WHEN $2 = 'running' THEN now() ELSE started_at END,"
        " finished_at = CASE WHEN $2 = 'rejected' THEN now() END"
        " WHERE import_id = $1",
        import_id,
        status,
        actor.id,
        actor.agency,
        actor.kind,
        event_id,
    )


async def set_resumed(
    conn: asyncpg.Connection, import_id: uuid.UUID, resumed_from: uuid.UUID, after_line: int
) -> None:
    """An approved import continues the interrupted import of the same file after a line."""
    await conn.execute(
        "UPDATE imports SET resumed_from = $2, resumed_after_line = $3 WHERE import_id = $1",
        import_id,
        resumed_from,
        after_line,
    )


async def running(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """The imports marked running (``import_id``): each owned by a live task, or orphaned."""
    return list(await conn.fetch("SELECT import_id FROM imports WHERE status = 'running'"))
