"""A reconciliation run's deactivation requests: whom they may concern, which were asked
before, adding them, and sending them in batches (``adapters.reconciliation`` holds the
runs themselves)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence

import asyncpg

from enrollment.app.run_ports import NewRequest

__all__ = [
    "NewRequest",
    "add_requests",
    "current_proposals",
    "lock_proposals",
    "mark_emitted",
    "requested_before",
    "unemitted_batch",
]


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
    deactivation request (one about an earlier, closed proposal does not count, nor one of
    a rejected run: it was never sent)."""
    rows = await conn.fetch(
        "SELECT DISTINCT participant_id FROM deactivation_requests"
        " WHERE proposal_id = ANY($1::uuid[]) AND (run_id IS NULL OR run_id NOT IN"
        "  (SELECT run_id FROM reconciliation_runs WHERE status = 'rejected'))",
        [r["proposal_id"] for r in current.values()],
    )
    return {r["participant_id"] for r in rows}


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
