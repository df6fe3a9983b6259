"""The ports the use cases depend on: registries to read and the Health Office's store.

Adapters: ``adapters.registries`` / ``adapters.repository`` (SQL on the unit of work's
connection), ``adapters.metrics`` (Prometheus gauges), and in-memory fakes for unit tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from jkn_contracts import Actor

from verification.app.model import Proposal
from verification.domain import CivilRecord, DtksRecord, Quota

__all__ = [
    "CivilRegistry",
    "Gauges",
    "QuotaChange",
    "QuotaCut",
    "QuotaCuts",
    "Repository",
    "WaitingEntry",
    "WelfareRegistry",
]


class Gauges(Protocol):
    """The quota and waiting-list gauges operators watch, set to what a use case just wrote
    (a write that rolls back is corrected by the next one)."""

    def quota(self, budget_year: int, quota: Quota) -> None:
        """The budget year's slots: used, free, total."""
        ...

    def waiting(self, size: int) -> None:
        """How many valid proposals wait for a slot."""
        ...


class CivilRegistry(Protocol):
    """Dukcapil (civil registry): alive or dead, and the domicile from the KK."""

    async def lookup(self, nik: str) -> CivilRecord | None: ...


class WelfareRegistry(Protocol):
    """DTKS/DTSEN (social-welfare registry): the household's welfare decile."""

    async def lookup(self, nik: str) -> DtksRecord | None: ...


@dataclass(frozen=True)
class WaitingEntry:
    """A line of the waiting list: pseudonymous, no personal data."""

    proposal_id: uuid.UUID
    participant_id: str
    welfare_decile: int | None
    waiting_since: datetime
    position: int


@dataclass(frozen=True)
class QuotaChange:
    """Who set a budget year's quota, from what to what (``previous_total`` None: the
    year had no quota yet), and the QuotaChanged event that stated it."""

    budget_year: int
    previous_total: int | None
    total: int
    used: int
    admitted: int
    actor: Actor
    event_id: uuid.UUID


@dataclass(frozen=True)
class QuotaCut:
    """A cut of a year's quota asked for by ``requested_by`` (the maker), with its preview:
    the total, slots in use and waiting list when it was asked for, and the new total.
    ``status``: pending, approved or rejected (``decided_by``: the checker)."""

    cut_id: uuid.UUID
    budget_year: int
    previous_total: int
    total: int
    used: int
    waiting: int
    requested_by: Actor
    status: str = "pending"
    created_at: datetime | None = None
    decided_by: Actor | None = None
    decided_at: datetime | None = None


class QuotaCuts(Protocol):
    """Pending quota cuts and their decisions (``quota_cuts``), inside one transaction."""

    async def add(self, cut: QuotaCut) -> None: ...

    async def find(self, cut_id: uuid.UUID, *, lock: bool = False) -> QuotaCut | None:
        """The cut (row-locked with ``lock``: one decision per cut), None if unknown."""
        ...

    async def pending(self, budget_year: int) -> QuotaCut | None:
        """The year's pending cut, None if none is (the caller holds the year's quota row
        lock: one pending cut per year, ``app.quota_cuts``)."""
        ...

    async def decide(
        self, cut_id: uuid.UUID, status: str, checker: Actor, *, decision_event_id: uuid.UUID
    ) -> None:
        """Record the decision on the (locked) cut: its status, the checker, the event."""
        ...


class Repository(Protocol):
    """Proposals, quota, slots and the waiting list, inside one transaction.

    Lock order, to keep concurrent transactions free of deadlocks: quota rows first (in
    budget-year order, ``lock_quota``), then proposal rows (``lock=True``).
    """

    async def add_proposal(self, proposal: Proposal) -> bool:
        """Store a new proposal; False if this proposal_id is already known."""
        ...

    async def save_proposal(self, proposal: Proposal) -> None: ...

    async def has_open_proposal(self, participant_id: str, *, excluding: uuid.UUID) -> bool: ...

    async def open_proposal(self, participant_id: str, *, lock: bool = False) -> Proposal | None:
        """The participant's proposal that is pending, waitlisted, verified or active."""
        ...

    async def proposals_of(self, participant_id: str) -> list[Proposal]:
        """Every proposal of a participant, newest first."""
        ...

    async def lock_quota(self, budget_year: int, *, initial_total: int) -> Quota:
        """The year's quota, row-locked (created with ``initial_total`` if missing)."""
        ...

    async def save_quota(self, budget_year: int, quota: Quota) -> None: ...

    async def read_quota(self, budget_year: int) -> Quota | None: ...

    async def record_quota_change(self, change: QuotaChange) -> None:
        """Keep who changed a year's quota, with the change (``quota_changes``)."""
        ...

    async def take_slot(self, proposal: Proposal, quota: Quota) -> None:
        """Give ``proposal`` a slot of its ``budget_year``: the slot, the year's quota as
        ``quota`` (already counting it) and the proposal saved, together (the quota row
        locked by ``lock_quota``)."""
        ...

    async def slot_year(self, participant_id: str) -> int | None: ...

    async def remove_slot(self, participant_id: str) -> None: ...

    async def add_to_waiting_list(self, proposal: Proposal, since: datetime) -> int:
        """Put the proposal on the waiting list; return its position (1 = next)."""
        ...

    async def remove_from_waiting_list(self, proposal_id: uuid.UUID) -> None: ...

    async def best_waiting(self) -> Proposal | None:
        """The waiting proposal to admit next (row-locked)."""
        ...

    async def waiting_list(self, limit: int = 1000) -> list[WaitingEntry]: ...

    async def waiting_count(self) -> int: ...

    async def erase_resident(self, participant_id: str) -> int:
        """Forget the resident's personal fields (each proposal's resident, the reference
        registries' rows under their NIK); statuses and decisions stay. Idempotent; the
        number of proposals erased now."""
        ...
