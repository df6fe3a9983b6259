"""The proposals and refill candidates of a resident to erase (``app.resident_ports.ErasureStore``):
read and locked, checked for an activation, and their personal fields blanked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from enrollment.adapters.personal import PROPOSAL_FIELDS, sealed
from enrollment.domain.status import ProposalStatus

__all__ = ["blank_resident", "ever_activated", "lock_proposals_of"]

# The personal fields a proposal holds, blanked: sealed and (rows not yet sealed by the
# start-up backfill) clear ones to null, sex to ''. The sealed ones would not open anyway,
# their key is destroyed: a backup taken before keeps them unreadable the same way.
_BLANK_PROPOSALS = (
    "UPDATE proposals SET sex = '',"  # noqa: S608 - constants
    f" {', '.join(f'{f} = NULL, {sealed(f)} = NULL' for f in PROPOSAL_FIELDS)},"
    " erased_at = $2, erasure_event_id = $3 WHERE participant_id = $1"
)


async def lock_proposals_of(conn: asyncpg.Connection, participant_id: str) -> list[asyncpg.Record]:
    """The resident's proposals, oldest first, row-locked: their status, card, last change
    and erasure (``erased_at``, ``erasure_event_id``)."""
    return list(
        await conn.fetch(
            "SELECT proposal_id, status, no_kartu, updated_at, erased_at, erasure_event_id"
            " FROM proposals WHERE participant_id = $1 ORDER BY created_at FOR UPDATE",
            participant_id,
        )
    )


async def ever_activated(conn: asyncpg.Connection, proposal_ids: Sequence[uuid.UUID]) -> bool:
    """Whether one of these proposals was ever activated (its history says so)."""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM proposal_history"
            " WHERE proposal_id = ANY($1::uuid[]) AND status = $2)",
            list(proposal_ids),
            ProposalStatus.ACTIVATED.value,
        )
    )


async def blank_resident(
    conn: asyncpg.Connection, participant_id: str, erased_at: datetime, event_id: uuid.UUID
) -> None:
    """Blank the resident's proposals (``event_id``: the ResidentDataErased stating it) and
    drop their refill candidates of snapshots (a copy of the registry's row, dropped as the
    retention purge drops them; the run keeps its counts)."""
    await conn.execute(_BLANK_PROPOSALS, participant_id, erased_at, event_id)
    await conn.execute("DELETE FROM candidates WHERE participant_id = $1", participant_id)
    await conn.execute("DELETE FROM snapshot_staging WHERE participant_id = $1", participant_id)
