"""The Health Office's store in Postgres (schema ``verification``), on one connection.

Every method runs on the unit of work's connection, inside its transaction. A proposal's
resident is stored sealed under the resident's key (``resident_sealed``) with the keyed
hash of their NIK; ``resident`` in clear is only read from rows written before that and
not converted yet by the start-up backfill.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from jkn_bus.personal_data import PersonalDataErased
from jkn_contracts import DeactivationReason, RejectionReason, Resident

from verification.adapters.erasure import erase_resident
from verification.adapters.protection import Protection
from verification.app.model import OPEN_STATUSES, Proposal, Status, Withdrawal
from verification.app.ports import QuotaChange, WaitingEntry
from verification.domain import Quota

__all__ = ["SqlRepository"]

_OPEN = [s.value for s in OPEN_STATUSES]
_OPEN_PROPOSAL = "SELECT * FROM proposals WHERE participant_id = $1 AND status = ANY($2::text[])"
_OPEN_PROPOSAL_FOR_UPDATE = _OPEN_PROPOSAL + " FOR UPDATE"
_LOCK_QUOTA = "SELECT total, used FROM quota WHERE budget_year = $1 FOR UPDATE"
_PRIORITY = "welfare_decile NULLS LAST, waiting_since, proposal_id"


def _from_row(row: asyncpg.Record, resident: Resident | None) -> Proposal:
    return Proposal(
        proposal_id=row["proposal_id"],
        participant_id=row["participant_id"],
        correlation_id=row["correlation_id"],
        resident=resident,
        registered_at=row["registered_at"],
        status=Status(row["status"]),
        welfare_decile=row["welfare_decile"],
        reasons=[RejectionReason.model_validate(r) for r in json.loads(row["reasons"])],
        coverage_request_id=row["coverage_request_id"],
        budget_year=row["budget_year"],
        decided_at=row["decided_at"],
        updated_at=row["updated_at"],
        journey_trace=json.loads(row["journey_trace"]),
        withdrawal=(
            Withdrawal(DeactivationReason(row["withdrawal_reason"]), row["withdrawal_event_id"])
            if row["withdrawal_reason"] is not None
            else None
        ),
    )


def _reasons_json(proposal: Proposal) -> str:
    return json.dumps([r.model_dump() for r in proposal.reasons])


_SAVE_PROPOSAL = (
    "UPDATE proposals SET status = $2, reasons = $3::jsonb, coverage_request_id = $4,"
    " budget_year = $5, decided_at = $6, welfare_decile = $7, withdrawal_reason = $8,"
    " withdrawal_event_id = $9, updated_at = now() WHERE proposal_id = $1"
)
# A slot taken: the year's quota ($5: the proposal's budget year), the slot and the
# proposal, one statement. Its CTEs run whether or not they are read; a CHECK on the quota
# or the one slot per participant fails the whole statement, as it failed its part before.
_TAKE_SLOT = (
    "WITH quota_row AS (UPDATE quota SET total = $11, used = $12, updated_at = now()"  # noqa: S608 - constants only
    " WHERE budget_year = $5),"
    " slot AS (INSERT INTO slots (participant_id, proposal_id, budget_year)"
    " VALUES ($10, $1, $5)) " + _SAVE_PROPOSAL
)


def _proposal_args(proposal: Proposal) -> tuple[Any, ...]:
    """``_SAVE_PROPOSAL``'s parameters."""
    withdrawal = proposal.withdrawal
    return (
        proposal.proposal_id,
        proposal.status.value,
        _reasons_json(proposal),
        proposal.coverage_request_id,
        proposal.budget_year,
        proposal.decided_at,
        proposal.welfare_decile,
        withdrawal.reason.value if withdrawal else None,
        withdrawal.requested_by if withdrawal else None,
    )


class SqlRepository:
    """``Repository`` on an asyncpg connection (see ``app.ports.Repository``)."""

    def __init__(self, conn: asyncpg.Connection, protection: Protection) -> None:
        self._conn = conn
        self._protection = protection

    async def _proposal(self, row: asyncpg.Record) -> Proposal:
        """The stored proposal, its resident opened (None once erased: key destroyed)."""
        resident: Resident | None = None
        if row["resident_sealed"] is not None:
            try:
                opened = await self._protection.proposals.open(
                    self._conn, row["participant_id"], {"resident": row["resident_sealed"]}
                )
            except PersonalDataErased:
                opened = {"resident": None}
            if opened["resident"] is not None:
                resident = Resident.model_validate_json(opened["resident"])
        elif row["resident"] is not None:  # written before sealing; not converted yet
            resident = Resident.model_validate_json(row["resident"])
        return _from_row(row, resident)

    async def add_proposal(self, proposal: Proposal) -> bool:
        resident = proposal.resident
        sealed = await self._protection.proposals.seal(
            self._conn,
            proposal.participant_id,
            {"resident": resident.model_dump_json() if resident is not None else None},
        )
        inserted: Any = await self._conn.fetchval(
            "INSERT INTO proposals (proposal_id, participant_id, correlation_id,"
            " resident_sealed, nik_hash,"
            " welfare_decile, status, reasons, coverage_request_id, budget_year,"
            " registered_at, decided_at, journey_trace)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13::jsonb)"
            " ON CONFLICT (proposal_id) DO NOTHING RETURNING true",
            proposal.proposal_id,
            proposal.participant_id,
            proposal.correlation_id,
            sealed["resident"],
            self._protection.nik_hash(resident.nik) if resident is not None else None,
            proposal.welfare_decile,
            proposal.status.value,
            _reasons_json(proposal),
            proposal.coverage_request_id,
            proposal.budget_year,
            proposal.registered_at,
            proposal.decided_at,
            json.dumps(proposal.journey_trace),
        )
        return bool(inserted)

    async def save_proposal(self, proposal: Proposal) -> None:
        await self._conn.execute(_SAVE_PROPOSAL, *_proposal_args(proposal))

    async def has_open_proposal(self, participant_id: str, *, excluding: uuid.UUID) -> bool:
        found: Any = await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM proposals WHERE participant_id = $1"
            " AND proposal_id <> $2 AND status = ANY($3::text[]))",
            participant_id,
            excluding,
            _OPEN,
        )
        return bool(found)

    async def open_proposal(self, participant_id: str, *, lock: bool = False) -> Proposal | None:
        row = await self._conn.fetchrow(
            _OPEN_PROPOSAL_FOR_UPDATE if lock else _OPEN_PROPOSAL, participant_id, _OPEN
        )
        return await self._proposal(row) if row is not None else None

    async def proposals_of(self, participant_id: str) -> list[Proposal]:
        rows = await self._conn.fetch(
            "SELECT * FROM proposals WHERE participant_id = $1 ORDER BY received_at DESC",
            participant_id,
        )
        return [await self._proposal(r) for r in rows]

    async def lock_quota(self, budget_year: int, *, initial_total: int) -> Quota:
        """The row lock first: the year's row exists but for its first slot or budget edit,
        so an INSERT before every lock was a statement spent for nothing. When the lock
        finds no row, the INSERT (``ON CONFLICT DO NOTHING``: a concurrent first one may win)
        creates it and the lock is taken again, on the row that now exists either way."""
        row = await self._conn.fetchrow(_LOCK_QUOTA, budget_year)
        if row is None:
            await self._conn.execute(
                "INSERT INTO quota (budget_year, total) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                budget_year,
                initial_total,
            )
            row = await self._conn.fetchrow(_LOCK_QUOTA, budget_year)
        assert row is not None
        return Quota(total=row["total"], used=row["used"])

    async def save_quota(self, budget_year: int, quota: Quota) -> None:
        await self._conn.execute(
            "UPDATE quota SET total = $2, used = $3, updated_at = now() WHERE budget_year = $1",
            budget_year,
            quota.total,
            quota.used,
        )

    async def read_quota(self, budget_year: int) -> Quota | None:
        row = await self._conn.fetchrow(
            "SELECT total, used FROM quota WHERE budget_year = $1", budget_year
        )
        return Quota(total=row["total"], used=row["used"]) if row is not None else None

    async def record_quota_change(self, change: QuotaChange) -> None:
        await self._conn.execute(
            "INSERT INTO quota_changes (budget_year, previous_total, total, used, admitted,"
            " actor_id, actor_agency, actor_kind, event_id)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            change.budget_year,
            change.previous_total,
            change.total,
            change.used,
            change.admitted,
            change.actor.id,
            change.actor.agency,
            change.actor.kind,
            change.event_id,
        )

    async def take_slot(self, proposal: Proposal, quota: Quota) -> None:
        assert proposal.budget_year is not None
        await self._conn.execute(
            _TAKE_SLOT, *_proposal_args(proposal), proposal.participant_id, quota.total, quota.used
        )

    async def slot_year(self, participant_id: str) -> int | None:
        year: Any = await self._conn.fetchval(
            "SELECT budget_year FROM slots WHERE participant_id = $1", participant_id
        )
        return int(year) if year is not None else None

    async def remove_slot(self, participant_id: str) -> None:
        await self._conn.execute("DELETE FROM slots WHERE participant_id = $1", participant_id)

    async def add_to_waiting_list(self, proposal: Proposal, since: datetime) -> int:
        await self._conn.execute(
            "INSERT INTO waiting_list (proposal_id, participant_id, welfare_decile, waiting_since)"
            " VALUES ($1, $2, $3, $4)",
            proposal.proposal_id,
            proposal.participant_id,
            proposal.welfare_decile,
            since,
        )
        position: Any = await self._conn.fetchval(
            f"SELECT position FROM (SELECT proposal_id, row_number() OVER (ORDER BY {_PRIORITY})"  # noqa: S608 - constant
            " AS position FROM waiting_list) ranked WHERE proposal_id = $1",
            proposal.proposal_id,
        )
        return int(position)

    async def remove_from_waiting_list(self, proposal_id: uuid.UUID) -> None:
        await self._conn.execute("DELETE FROM waiting_list WHERE proposal_id = $1", proposal_id)

    async def best_waiting(self) -> Proposal | None:
        row = await self._conn.fetchrow(
            "SELECT p.* FROM waiting_list w JOIN proposals p USING (proposal_id)"
            " ORDER BY w.welfare_decile NULLS LAST, w.waiting_since, w.proposal_id"
            " LIMIT 1 FOR UPDATE OF p"
        )
        return await self._proposal(row) if row is not None else None

    async def waiting_list(self, limit: int = 1000) -> list[WaitingEntry]:
        rows = await self._conn.fetch(
            "SELECT proposal_id, participant_id, welfare_decile, waiting_since,"  # noqa: S608
            f" row_number() OVER (ORDER BY {_PRIORITY}) AS position"
            f" FROM waiting_list ORDER BY {_PRIORITY} LIMIT $1",
            limit,
        )
        return [
            WaitingEntry(
                r["proposal_id"],
                r["participant_id"],
                r["welfare_decile"],
                r["waiting_since"],
                r["position"],
            )
            for r in rows
        ]

    async def waiting_count(self) -> int:
        count: Any = await self._conn.fetchval("SELECT count(*) FROM waiting_list")
        return int(count)

    async def erase_resident(self, participant_id: str) -> int:
        return await erase_resident(self._conn, participant_id, self._protection)
