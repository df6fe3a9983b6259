"""In-memory fakes of the verification service's ports, for unit tests without I/O."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from jkn_bus import UnitOfWork
from jkn_contracts import Actor, EventBase
from support.sealed import SEALER
from verification.adapters.memory import InMemoryCivilRegistry, InMemoryWelfareRegistry
from verification.app.dependencies import Dependencies
from verification.app.model import OPEN_STATUSES, Proposal
from verification.app.ports import QuotaChange, QuotaCut, WaitingEntry
from verification.domain import Policy, Quota, priority_key


class FakeUnitOfWork(UnitOfWork):
    """A unit of work whose outbox is a list."""

    def __init__(self, cause: EventBase | None = None, actor: Actor | None = None) -> None:
        super().__init__(cast(Any, None), topic_prefix="", cause=cause, actor=actor)

    async def emit(self, event: EventBase) -> None:
        self.emitted.append(self.stamp(event))


class FakeRepository:
    """``Repository`` over dicts; locks are no-ops (one test, one 'transaction')."""

    def __init__(self) -> None:
        self.proposals: dict[uuid.UUID, Proposal] = {}
        self.quotas: dict[int, Quota] = {}
        self.slots: dict[str, tuple[uuid.UUID, int]] = {}
        self.waiting: dict[uuid.UUID, tuple[str, int | None, datetime]] = {}
        self.quota_changes: list[QuotaChange] = []

    async def add_proposal(self, proposal: Proposal) -> bool:
        if proposal.proposal_id in self.proposals:
            return False
        self.proposals[proposal.proposal_id] = copy.copy(proposal)
        return True

    async def save_proposal(self, proposal: Proposal) -> None:
        self.proposals[proposal.proposal_id] = copy.copy(proposal)

    async def has_open_proposal(self, participant_id: str, *, excluding: uuid.UUID) -> bool:
        return any(
            p.participant_id == participant_id
            and p.proposal_id != excluding
            and p.status in OPEN_STATUSES
            for p in self.proposals.values()
        )

    async def open_proposal(self, participant_id: str, *, lock: bool = False) -> Proposal | None:
        del lock
        found = [
            p
            for p in self.proposals.values()
            if p.participant_id == participant_id and p.status in OPEN_STATUSES
        ]
        return copy.copy(found[0]) if found else None

    async def proposals_of(self, participant_id: str) -> list[Proposal]:
        return [
            copy.copy(p)
            for p in reversed(self.proposals.values())
            if p.participant_id == participant_id
        ]

    async def lock_quota(self, budget_year: int, *, initial_total: int) -> Quota:
        return self.quotas.setdefault(budget_year, Quota(total=initial_total))

    async def save_quota(self, budget_year: int, quota: Quota) -> None:
        self.quotas[budget_year] = quota

    async def read_quota(self, budget_year: int) -> Quota | None:
        return self.quotas.get(budget_year)

    async def record_quota_change(self, change: QuotaChange) -> None:
        self.quota_changes.append(change)

    async def take_slot(self, proposal: Proposal, quota: Quota) -> None:
        assert proposal.participant_id not in self.slots, "a participant never holds two slots"
        assert proposal.budget_year is not None
        self.slots[proposal.participant_id] = (proposal.proposal_id, proposal.budget_year)
        await self.save_quota(proposal.budget_year, quota)
        await self.save_proposal(proposal)

    async def slot_year(self, participant_id: str) -> int | None:
        slot = self.slots.get(participant_id)
        return slot[1] if slot else None

    async def remove_slot(self, participant_id: str) -> None:
        self.slots.pop(participant_id, None)

    def _ranked(self) -> list[uuid.UUID]:
        return sorted(
            self.waiting, key=lambda k: (*priority_key(self.waiting[k][1], self.waiting[k][2]), k)
        )

    async def add_to_waiting_list(self, proposal: Proposal, since: datetime) -> int:
        self.waiting[proposal.proposal_id] = (
            proposal.participant_id,
            proposal.welfare_decile,
            since,
        )
        return self._ranked().index(proposal.proposal_id) + 1

    async def remove_from_waiting_list(self, proposal_id: uuid.UUID) -> None:
        self.waiting.pop(proposal_id, None)

    async def best_waiting(self) -> Proposal | None:
        ranked = self._ranked()
        return copy.copy(self.proposals[ranked[0]]) if ranked else None

    async def waiting_list(self, limit: int = 1000) -> list[WaitingEntry]:
        return [
            WaitingEntry(k, self.waiting[k][0], self.waiting[k][1], self.waiting[k][2], i)
            for i, k in enumerate(self._ranked()[:limit], start=1)
        ]

    async def waiting_count(self) -> int:
        return len(self.waiting)

    async def erase_resident(self, participant_id: str) -> int:
        erased = [
            p
            for p in self.proposals.values()
            if p.participant_id == participant_id and p.resident is not None
        ]
        for proposal in erased:
            proposal.resident = None
        return len(erased)


class FakeQuotaCuts:
    """``QuotaCuts`` over a dict; the lock is a no-op (one test, one 'transaction')."""

    def __init__(self) -> None:
        self.cuts: dict[uuid.UUID, QuotaCut] = {}

    async def add(self, cut: QuotaCut) -> None:
        self.cuts[cut.cut_id] = cut

    async def find(self, cut_id: uuid.UUID, *, lock: bool = False) -> QuotaCut | None:
        del lock
        return self.cuts.get(cut_id)

    async def pending(self, budget_year: int) -> QuotaCut | None:
        return next(
            (
                c
                for c in self.cuts.values()
                if c.budget_year == budget_year and c.status == "pending"
            ),
            None,
        )

    async def decide(
        self, cut_id: uuid.UUID, status: str, checker: Actor, *, decision_event_id: uuid.UUID
    ) -> None:
        del decision_event_id
        self.cuts[cut_id] = dataclasses.replace(
            self.cuts[cut_id], status=status, decided_by=checker
        )


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += timedelta(seconds=seconds)


class RecordedGauges:
    """``Gauges`` keeping the last value set, by budget year for the quota."""

    def __init__(self) -> None:
        self.quotas: dict[int, Quota] = {}
        self.waiting_size: int | None = None

    def quota(self, budget_year: int, quota: Quota) -> None:
        self.quotas[budget_year] = quota

    def waiting(self, size: int) -> None:
        self.waiting_size = size


class World:
    """The fakes wired into Dependencies, as bootstrap wires the SQL adapters."""

    def __init__(self, *, quota_total: int = 10, uhc_priority: bool = False) -> None:
        self.repo = FakeRepository()
        self.civil = InMemoryCivilRegistry()
        self.welfare = InMemoryWelfareRegistry()
        self.clock = Clock()
        self.gauges = RecordedGauges()
        self.deps = Dependencies(
            policy=Policy(city_code="1571"),
            initial_quota_total=quota_total,
            uhc_priority=uhc_priority,
            repository=lambda _: self.repo,
            civil_registry=lambda _: self.civil,
            welfare_registry=lambda _: self.welfare,
            sealer=SEALER,
            gauges=self.gauges,
            clock=self.clock,
        )
