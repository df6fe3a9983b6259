"""Tables of the reconciliation: runs, their line errors and deactivation requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

import asyncpg
from jkn_contracts import Actor

from enrollment.adapters.proposals import actor_columns, actor_from
from enrollment.domain import LineError
from enrollment.domain.status import FINDINGS_STATUSES, SNAPSHOT_STATUSES

__all__ = [
    "FINDINGS_STATUSES",
    "SNAPSHOT_STATUSES",
    "add_to_submitted_run",
    "count_participants",
    "create_run",
    "decide_run",
    "emission_actor",
    "find_run",
    "finish_run",
    "insert_errors",
    "last_snapshot_rows",
    "lock_run",
    "open_submitted_run",
    "planned_by_reason",
    "run_actor",
    "save_counts",
    "save_participants",
]


async def find_run(
    conn: asyncpg.Connection | asyncpg.Pool, kind: str, fingerprint: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM reconciliation_runs WHERE kind = $1 AND fingerprint = $2", kind, fingerprint
    )


async def create_run(
    conn: asyncpg.Connection,
    run_id: uuid.UUID,
    kind: str,
    fingerprint: str,
    eligible_deciles: Sequence[int] | None = None,
    *,
    actor: Actor | None = None,
) -> bool:
    """Register a run, as a preview, and who uploaded its file (``actor``); False when a
    run of the same file exists (a concurrent upload of the same file waits here for the
    first one's transaction, then gets False)."""
    created = await conn.fetchval(
        "INSERT INTO reconciliation_runs (run_id, kind, fingerprint, status, eligible_deciles,"
        " actor_id, actor_agency, actor_kind)"
        " VALUES ($1, $2, $3, 'preview', $4, $5, $6, $7) ON CONFLICT (kind, fingerprint)"
        " DO NOTHING RETURNING true",
        run_id,
        kind,
        fingerprint,
        list(eligible_deciles) if eligible_deciles is not None else None,
        *actor_columns(actor),
    )
    return bool(created)


async def open_submitted_run(
    conn: asyncpg.Connection, writer: str, actor: Actor | None
) -> tuple[uuid.UUID, bool]:
    """The open run (a preview) collecting the findings the system ``writer`` submits, row
    locked until the transaction ends (a decision waits for it, and it waits for a decision:
    a run decided meanwhile is not open any more). Opened when there is none: True."""
    for _ in range(2):
        run_id = await conn.fetchval(
            "SELECT run_id FROM reconciliation_runs WHERE submitted_by = $1"
            " AND status = 'preview' FOR UPDATE",
            writer,
        )
        if run_id is not None:
            return run_id, False
        run_id = uuid.uuid4()
        created = await conn.fetchval(
            "INSERT INTO reconciliation_runs (run_id, kind, fingerprint, status, submitted_by,"
            " actor_id, actor_agency, actor_kind)"
            " VALUES ($1, 'findings', $2, 'preview', $3, $4, $5, $6)"
            " ON CONFLICT (submitted_by) WHERE status = 'preview' AND submitted_by IS NOT NULL"
            " DO NOTHING RETURNING true",
            run_id,
            f"submissions:{writer}:{run_id}",
            writer,
            *actor_columns(actor),
        )
        if created:
            return run_id, True
        # another record of the same system opened it concurrently: take that one
    raise RuntimeError("no open run for the system's findings")


async def add_to_submitted_run(conn: asyncpg.Connection, run_id: uuid.UUID) -> int:
    """Count one more finding (a row read, a valid one) in a system's open run; the count."""
    return int(
        await conn.fetchval(
            "UPDATE reconciliation_runs SET rows_read = rows_read + 1,"
            " rows_valid = rows_valid + 1 WHERE run_id = $1 RETURNING rows_read",
            run_id,
        )
    )


async def run_actor(conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID) -> Actor | None:
    """Who uploaded the run's file: the actor of every deactivation request it makes, even
    those a later upload of the same file finishes emitting."""
    row = await conn.fetchrow(
        "SELECT actor_id, actor_agency, actor_kind FROM reconciliation_runs WHERE run_id = $1",
        run_id,
    )
    return actor_from(row) if row is not None else None


async def emission_actor(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> tuple[Actor | None, uuid.UUID | None]:
    """Whose command the run's deactivation requests carry, and their cause: the officer
    who approved the run and their ReconciliationRunApproved (a run from before approvals:
    its uploader, no cause)."""
    row = await conn.fetchrow(
        "SELECT actor_id, actor_agency, actor_kind, decided_by_id, decided_by_agency,"
        " decided_by_kind, decision_event_id FROM reconciliation_runs WHERE run_id = $1",
        run_id,
    )
    if row is None:
        return None, None
    if row["decided_by_id"] is None:
        return actor_from(row), None
    approver = Actor(
        id=row["decided_by_id"], agency=row["decided_by_agency"], kind=row["decided_by_kind"]
    )
    return approver, row["decision_event_id"]


async def lock_run(conn: asyncpg.Connection, run_id: uuid.UUID) -> asyncpg.Record | None:
    """The run's row, locked until the transaction ends (one decision per run)."""
    return await conn.fetchrow(
        "SELECT * FROM reconciliation_runs WHERE run_id = $1 FOR UPDATE", run_id
    )


async def decide_run(
    conn: asyncpg.Connection,
    run_id: uuid.UUID,
    status: str,
    actor: Actor,
    event_id: uuid.UUID,
) -> None:
    """Record a preview's decision: 'emitting' (approved) or 'rejected', by ``actor``, stated
    by the event ``event_id``."""
    await conn.execute(
        "UPDATE reconciliation_runs SET status = $2, decided_at = now(), decided_by_id = $3,"
        " decided_by_agency = $4, decided_by_kind = $5, decision_event_id = $6"
        " WHERE run_id = $1",
        run_id,
        status,
        actor.id,
        actor.agency,
        actor.kind,
        event_id,
    )


async def count_participants(conn: asyncpg.Connection) -> int:
    """The current participants: open proposals a run may deactivate (FINDINGS_STATUSES)."""
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM proposals WHERE status = ANY($1::text[])",
            list(FINDINGS_STATUSES),
        )
    )


async def save_participants(conn: asyncpg.Connection, run_id: uuid.UUID, count: int) -> None:
    await conn.execute(
        "UPDATE reconciliation_runs SET participants = $2 WHERE run_id = $1", run_id, count
    )


async def planned_by_reason(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> dict[str, int]:
    """The run's deactivation requests (emitted or not) by reason."""
    rows = await conn.fetch(
        "SELECT reason, count(*) AS n FROM deactivation_requests WHERE run_id = $1"
        " GROUP BY reason ORDER BY reason",
        run_id,
    )
    return {r["reason"]: int(r["n"]) for r in rows}


async def last_snapshot_rows(conn: asyncpg.Connection) -> int | None:
    """Rows read of the latest approved snapshot (emitting or completed), if any."""
    value = await conn.fetchval(
        "SELECT rows_read FROM reconciliation_runs WHERE kind = 'snapshot'"
        " AND status IN ('emitting', 'completed') ORDER BY received_at DESC LIMIT 1"
    )
    return int(value) if value is not None else None


async def save_counts(
    conn: asyncpg.Connection, run_id: uuid.UUID, *, read: int, valid: int, invalid: int
) -> None:
    await conn.execute(
        "UPDATE reconciliation_runs SET rows_read = $2, rows_valid = $3, rows_invalid = $4"
        " WHERE run_id = $1",
        run_id,
        read,
        valid,
        invalid,
    )


async def finish_run(conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE reconciliation_runs SET status = 'completed', completed_at = now()"
        " WHERE run_id = $1 AND status <> 'completed'",
        run_id,
    )


async def insert_errors(
    conn: asyncpg.Connection, run_id: uuid.UUID, errors: Iterable[LineError]
) -> None:
    await conn.copy_records_to_table(
        "reconciliation_errors",
        records=[(run_id, e.line, e.field, e.rule, e.message, e.first_line) for e in errors],
        columns=("run_id", "line", "field", "rule", "message", "first_line"),
    )
