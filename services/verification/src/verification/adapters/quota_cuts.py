"""Pending quota cuts and their decisions in Postgres (``quota_cuts``, migration 0007), on
the unit of work's connection: the cut is stored, locked and decided in the transaction of
the request that does so (``app.quota_cuts``)."""

from __future__ import annotations

import uuid

import asyncpg
from jkn_contracts import Actor

from verification.app.ports import QuotaCut

__all__ = ["SqlQuotaCuts"]

_COLUMNS = (
    "cut_id, budget_year, status, previous_total, total, used, waiting, created_at,"
    " actor_id, actor_agency, actor_kind, decided_at,"
    " decided_by_id, decided_by_agency, decided_by_kind"
)


def _cut(row: asyncpg.Record) -> QuotaCut:
    decided_by = (
        Actor(
            id=row["decided_by_id"],
            agency=row["decided_by_agency"],
            kind=row["decided_by_kind"],
        )
        if row["decided_by_id"]
        else None
    )
    return QuotaCut(
        cut_id=row["cut_id"],
        budget_year=row["budget_year"],
        previous_total=row["previous_total"],
        total=row["total"],
        used=row["used"],
        waiting=row["waiting"],
        requested_by=Actor(id=row["actor_id"], agency=row["actor_agency"], kind=row["actor_kind"]),
        status=row["status"],
        created_at=row["created_at"],
        decided_by=decided_by,
        decided_at=row["decided_at"],
    )


class SqlQuotaCuts:
    """``QuotaCuts`` on one connection (inside its transaction)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, cut: QuotaCut) -> None:
        maker = cut.requested_by
        await self._conn.execute(
            "INSERT INTO quota_cuts (cut_id, budget_year, previous_total, total, used, waiting,"
            " actor_id, actor_agency, actor_kind, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now()))",
            cut.cut_id,
            cut.budget_year,
            cut.previous_total,
            cut.total,
            cut.used,
            cut.waiting,
            maker.id,
            maker.agency,
            maker.kind,
            cut.created_at,
        )

    async def find(self, cut_id: uuid.UUID, *, lock: bool = False) -> QuotaCut | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM quota_cuts WHERE cut_id = $1"  # noqa: S608 - fixed columns
            + (" FOR UPDATE" if lock else ""),
            cut_id,
        )
        return _cut(row) if row is not None else None

    async def pending(self, budget_year: int) -> QuotaCut | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM quota_cuts"  # noqa: S608 - fixed columns
            " WHERE budget_year = $1 AND status = 'pending' ORDER BY created_at LIMIT 1",
            budget_year,
        )
        return _cut(row) if row is not None else None

    async def decide(
        self, cut_id: uuid.UUID, status: str, checker: Actor, *, decision_event_id: uuid.UUID
    ) -> None:
        await self._conn.execute(
            "UPDATE quota_cuts SET status = $2, decided_at = now(), decided_by_id = $3,"
            " decided_by_agency = $4, decided_by_kind = $5, decision_event_id = $6"
            " WHERE cut_id = $1",
            cut_id,
            status,
            checker.id,
            checker.agency,
            checker.kind,
            decision_event_id,
        )
