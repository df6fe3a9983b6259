"""Tables of the reconciliation: runs, their line errors and deactivation requests."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
from jkn_contracts import Actor

from enrollment.adapters.proposals import actor_columns, actor_from
from enrollment.domain import LineError, ProposalStatus

__all__ = [
    "FINDINGS_STATUSES",
    "SNAPSHOT_STATUSES",
    "NewRequest",
    "add_requests",
    "create_run",
    "current_proposals",
    "find_run",
    "finish_run",
    "insert_errors",
    "lock_proposals",
    "mark_emitted",
    "requested_before",
    "run_actor",
    "save_counts",
    "unemitted_batch",
]

_PENDING = (ProposalStatus.REGISTERED, ProposalStatus.CHECKING)
# Whom a kelurahan finding can concern: everyone proposed and not yet out.
FINDINGS_STATUSES = tuple(
    s.value
    for s in (
        *_PENDING,
        ProposalStatus.WAITLISTED,
        ProposalStatus.VERIFIED,
        ProposalStatus.ACTIVATED,
    )
)
# Whom a registry snapshot is diffed against: the same. A waiting or pending resident gone
# from the registry or no longer poor is withdrawn by Dinkes (WITHDRAWN_<REASON>).
SNAPSHOT_STATUSES = FINDINGS_STATUSES


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
    """Register a run and who uploaded its file (``actor``); False when a run of the same
    file exists (a concurrent upload of the same file waits here for the first one's
    transaction, then gets False)."""
    created = await conn.fetchval(
        "INSERT INTO reconciliation_runs (run_id, kind, fingerprint, status, eligible_deciles,"
        " actor_id, actor_agency, actor_kind)"
        " VALUES ($1, $2, $3, 'emitting', $4, $5, $6, $7) ON CONFLICT (kind, fingerprint)"
        " DO NOTHING RETURNING true",
        run_id,
        kind,
        fingerprint,
        list(eligible_deciles) if eligible_deciles is not None else None,
        *actor_columns(actor),
    )
    return bool(created)


async def run_actor(conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID) -> Actor | None:
    """Who uploaded the run's file: the actor of every deactivation request it makes, even
    those a later upload of the same file finishes emitting."""
    row = await conn.fetchrow(
        "SELECT actor_id, actor_agency, actor_kind FROM reconciliation_runs WHERE run_id = $1",
        run_id,
    )
    return actor_from(row) if row is not None else None


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


async def current_proposals(
    conn: asyncpg.Connection, participant_ids: Iterable[str], statuses: Sequence[str]
) -> dict[str, asyncpg.Record]:
    """participant_id -> (proposal_id, kelurahan) of current proposals, rows locked.

    The lock (in proposal order, so two runs cannot deadlock) is the participant row
    lock the outbox relay's per-participant ordering relies on (jkn_bus/relay.py).
    """
    rows = await conn.fetch(
        "SELECT participant_id, proposal_id, kelurahan FROM proposals"
        " WHERE participant_id = ANY($1::text[]) AND status = ANY($2::text[])"
        " ORDER BY proposal_id FOR UPDATE",
        list(participant_ids),
        list(statuses),
    )
    return {r["participant_id"]: r for r in rows}


async def lock_proposals(conn: asyncpg.Connection, participant_ids: Iterable[str]) -> None:
    """Lock the participants' proposal rows (whatever their status), in proposal order."""
    await conn.execute(
        "SELECT 1 FROM proposals WHERE participant_id = ANY($1::text[])"
        " ORDER BY proposal_id FOR UPDATE",
        list(participant_ids),
    )


async def requested_before(
    conn: asyncpg.Connection, current: Mapping[str, asyncpg.Record]
) -> set[str]:
    """The participants whose current proposal (``current_proposals``) already has a
    deactivation request (one about an earlier, closed proposal does not count)."""
    rows = await conn.fetch(
        "SELECT DISTINCT participant_id FROM deactivation_requests"
        " WHERE proposal_id = ANY($1::uuid[])",
        [r["proposal_id"] for r in current.values()],
    )
    return {r["participant_id"] for r in rows}


@dataclass(frozen=True)
class NewRequest:
    """A deactivation request about to be stored (and its event emitted)."""

    participant_id: str
    proposal_id: uuid.UUID
    reason: str
    evidence_ref: str
    reported_by: str
    kelurahan: str | None
    run_id: uuid.UUID | None = None
    line: int | None = None
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)


_REQUEST_COLUMNS = (
    "run_id",
    "participant_id",
    "proposal_id",
    "reason",
    "evidence_ref",
    "reported_by",
    "kelurahan",
    "line",
    "event_id",
)
_REQUEST_TYPES = ("uuid", "text", "uuid", "text", "text", "text", "text", "int", "uuid")


async def add_requests(conn: asyncpg.Connection, requests: Sequence[NewRequest]) -> set[uuid.UUID]:
    """Store the requests not stored yet (unique keys); return the event ids stored now."""
    if not requests:
        return set()
    columns = ", ".join(_REQUEST_COLUMNS)
    arrays = ", ".join(f"${i}::{t}[]" for i, t in enumerate(_REQUEST_TYPES, start=1))
    rows = await conn.fetch(
        f"INSERT INTO deactivation_requests ({columns})"  # noqa: S608 - constants
        f" SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING RETURNING event_id",
        *([getattr(r, c) for r in requests] for c in _REQUEST_COLUMNS),
    )
    return {r["event_id"] for r in rows}


async def unemitted_batch(
    conn: asyncpg.Connection, run_id: uuid.UUID, limit: int
) -> list[asyncpg.Record]:
    """Up to ``limit`` requests of the run whose event is not written yet, rows locked."""
    return list(
        await conn.fetch(
            "SELECT * FROM deactivation_requests WHERE run_id = $1 AND emitted_at IS NULL"
            " ORDER BY request_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            run_id,
            limit,
        )
    )


async def mark_emitted(conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID]) -> None:
    await conn.execute(
        "UPDATE deactivation_requests SET emitted_at = now() WHERE event_id = ANY($1::uuid[])",
        list(event_ids),
    )
