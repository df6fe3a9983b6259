"""Refill batches in the database (``app.ports.RefillBatches``): a batch of a snapshot's
candidates pending a second officer, its members by pseudonym, its decision.

A candidate joins at most one pending batch of its run: ``create`` takes the run's batch
lock (a transaction-scoped advisory lock), so two officers asking at once get disjoint
batches; a rejected batch's candidates are free again, an approved one's are proposed.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import asyncpg
from jkn_bus.at_rest import ServiceColumns
from jkn_contracts import Actor

from enrollment.adapters.personal import open_candidate
from enrollment.adapters.proposals import actor_columns, insert_many
from enrollment.adapters.proposals import actor_from as maker_of
from enrollment.adapters.snapshots import mark_candidates

__all__ = [
    "create",
    "decide",
    "find",
    "insert_many",
    "lock",
    "maker_of",
    "mark_candidates",
    "members",
    "to_propose",
]


def _run_lock(run_id: uuid.UUID) -> int:
    digest = hashlib.sha256(b"refill-batches:" + run_id.bytes).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def create(
    conn: asyncpg.Connection,
    batch_id: uuid.UUID,
    run_id: uuid.UUID,
    limit: int,
    actor: Actor | None,
) -> int:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _run_lock(run_id))
    await conn.execute(
        "INSERT INTO refill_batches (batch_id, run_id, requested, actor_id, actor_agency,"
        " actor_kind) VALUES ($1, $2, $3, $4, $5, $6)",
        batch_id,
        run_id,
        limit,
        *actor_columns(actor),
    )
    status = await conn.execute(
        "INSERT INTO refill_batch_members (batch_id, run_id, participant_id, position)"
        " SELECT $1, c.run_id, c.participant_id,"
        "  row_number() OVER (ORDER BY c.welfare_decile, c.line)"
        " FROM candidates c"
        " WHERE c.run_id = $2 AND c.status = 'candidate'"
        "  AND NOT EXISTS (SELECT 1 FROM refill_batch_members m"
        "                  JOIN refill_batches b ON b.batch_id = m.batch_id"
        "                  WHERE b.status = 'pending' AND m.run_id = c.run_id"
        "                  AND m.participant_id = c.participant_id)"
        " ORDER BY c.welfare_decile, c.line LIMIT $3",
        batch_id,
        run_id,
        limit,
    )
    return int(status.split()[-1])


async def find(
    conn: asyncpg.Connection | asyncpg.Pool, batch_id: uuid.UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM refill_batches WHERE batch_id = $1", batch_id)


async def lock(conn: asyncpg.Connection, act_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM refill_batches WHERE batch_id = $1 FOR UPDATE", act_id
    )


async def decide(
    conn: asyncpg.Connection,
    act_id: uuid.UUID,
    status: str,
    actor: Actor,
    event_id: uuid.UUID,
) -> None:
    await conn.execute(
        "UPDATE refill_batches SET status = $2, decided_at = now(), decided_by_id = $3,"
        " decided_by_agency = $4, decided_by_kind = $5, decision_event_id = $6"
        " WHERE batch_id = $1",
        act_id,
        status,
        actor.id,
        actor.agency,
        actor.kind,
        event_id,
    )


async def members(
    conn: asyncpg.Connection | asyncpg.Pool, batch_id: uuid.UUID
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT m.participant_id, c.kelurahan, c.welfare_decile, c.line,"
            " c.status, c.proposal_id"
            " FROM refill_batch_members m"
            " LEFT JOIN candidates c"
            "  ON c.run_id = m.run_id AND c.participant_id = m.participant_id"
            " WHERE m.batch_id = $1 ORDER BY m.position",
            batch_id,
        )
    )


async def to_propose(
    conn: asyncpg.Connection, batch_id: uuid.UUID, personal: ServiceColumns
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT c.* FROM refill_batch_members m"
        " JOIN candidates c ON c.run_id = m.run_id AND c.participant_id = m.participant_id"
        " WHERE m.batch_id = $1 AND c.status = 'candidate'"
        " ORDER BY m.position FOR UPDATE OF c",
        batch_id,
    )
    return [{**dict(r), **await open_candidate(personal, conn, r)} for r in rows]
