"""What the app needs of its stores, declared here so ``app/`` imports no adapter
(docs/service-template.md): ``bootstrap`` hands over the adapter modules that implement
these (a module matches a Protocol by its functions). The values a port takes or gives
are declared here too; the adapters import them from here. The reconciliation runs' ports
are in ``app.run_ports``, those of a resident's access and erasure in
``app.resident_ports``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg
from jkn_bus.at_rest import ResidentColumns, ServiceColumns
from jkn_bus.personal_data import Dek
from jkn_contracts import Actor

from enrollment.domain import LineError, Proposal, ProposalStatus
from enrollment.domain.import_progress import Progress, StoredError

__all__ = [
    "ImportStore",
    "NewProposal",
    "ProposalStore",
    "StatusChange",
]


@dataclass(frozen=True)
class NewProposal:
    """A valid proposal with the identifiers intake gives it."""

    proposal: Proposal
    proposal_id: uuid.UUID
    participant_id: str
    correlation_id: uuid.UUID
    receipt_code: str
    proposed_by: str
    import_id: uuid.UUID | None = None
    import_line: int | None = None
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)  # of its ParticipantRegistered
    actor: Actor | None = None  # who proposed: the caller of POST /proposals, /imports, ...


@dataclass(frozen=True)
class StatusChange:
    """What an event from Dinas Kesehatan or BPJS says about a proposal."""

    participant_id: str
    proposal_id: uuid.UUID | None  # None: the event names no proposal (the latest is meant)
    status: ProposalStatus
    event_type: str
    event_id: uuid.UUID
    occurred_at: datetime
    reasons: list[dict[str, str]] | None = None
    card: tuple[str, str, str, date] | None = None  # no_kartu, kd_provider, nm_provider, start


class ProposalStore(Protocol):
    """The proposals table (``adapters.proposals``): intake and the decisions followed."""

    async def insert_many(
        self,
        conn: asyncpg.Connection,
        proposals: Sequence[NewProposal],
        *,
        personal: ResidentColumns | None = None,
        keys: Mapping[str, Dek] | None = None,
    ) -> set[uuid.UUID]:
        """Store the proposals whose resident has no open one; the ids stored."""
        ...

    async def existing_ids(
        self, conn: asyncpg.Connection, participant_ids: Sequence[str]
    ) -> dict[str, uuid.UUID]:
        """participant_id -> the open proposal of each participant that has one."""
        ...

    async def apply_status(self, conn: asyncpg.Connection, change: StatusChange) -> bool:
        """Record the change when it moves the proposal forward; False if it does not."""
        ...


class ImportStore(Protocol):
    """What imports need of the database (``adapters.import_previews``): a preview and its
    decision, an approved import's chunks (its proposals, line report and progress), and
    the running imports' status."""

    async def create_preview(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        *,
        proposed_by: str,
        sha256: str,
        actor: Actor | None,
        preview: dict[str, Any],
        sealed: bytes,
    ) -> None: ...

    async def insert_issues(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        issues: Sequence[tuple[LineError, str]],
    ) -> None: ...

    async def clear_errors(self, conn: asyncpg.Connection, import_id: uuid.UUID) -> None: ...

    async def lock(
        self, conn: asyncpg.Connection, import_id: uuid.UUID
    ) -> asyncpg.Record | None: ...

    def uploader_of(self, row: asyncpg.Record) -> Actor | None: ...

    async def latest_run_of(
        self, conn: asyncpg.Connection, sha256: str, other_than: uuid.UUID
    ) -> asyncpg.Record | None: ...

    async def decide(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        status: str,
        actor: Actor,
        event_id: uuid.UUID,
    ) -> None: ...

    async def set_resumed(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        resumed_from: uuid.UUID,
        after_line: int,
    ) -> None: ...

    async def running(self, conn: asyncpg.Connection) -> list[asyncpg.Record]: ...

    async def finish(
        self,
        conn: asyncpg.Connection | asyncpg.Pool,
        import_id: uuid.UUID,
        status: str,
        failure: str | None = None,
    ) -> None: ...

    async def insert_errors(
        self, conn: asyncpg.Connection, import_id: uuid.UUID, errors: Sequence[StoredError]
    ) -> None: ...

    async def save_progress(
        self, conn: asyncpg.Connection, import_id: uuid.UUID, p: Progress
    ) -> None: ...

    async def copy_errors(
        self, conn: asyncpg.Connection, source: uuid.UUID, target: uuid.UUID, up_to_line: int
    ) -> None: ...

    async def insert_many(
        self,
        conn: asyncpg.Connection,
        proposals: Sequence[NewProposal],
        *,
        personal: ResidentColumns | None = None,
        keys: Mapping[str, Dek] | None = None,
    ) -> set[uuid.UUID]: ...

    async def existing_ids(
        self, conn: asyncpg.Connection, participant_ids: Sequence[str]
    ) -> dict[str, uuid.UUID]: ...


class PendingActs(Protocol):
    """Acts with mass effect that wait for a second officer (``app.two_person``): each row
    keeps its maker (``actor_*``) and, once decided, its checker (``decided_by_*``). An
    ``ImportStore`` is one too."""

    async def lock(self, conn: asyncpg.Connection, act_id: uuid.UUID, /) -> asyncpg.Record | None:
        """The act's row, locked until the transaction ends (one decision per act)."""
        ...

    async def decide(
        self,
        conn: asyncpg.Connection,
        act_id: uuid.UUID,
        status: str,
        actor: Actor,
        event_id: uuid.UUID,
        /,
    ) -> None:
        """Record the decision: the act's new status, who decided, the event stating it."""
        ...


class RunDecisions(PendingActs, Protocol):
    """A reconciliation run's decision (``adapters.run_decisions``): ``lock`` is the run's
    row, ``decide`` moves it to 'emitting' or 'rejected'."""

    def maker_of(self, row: asyncpg.Record, /) -> Actor | None: ...

    async def planned(self, conn: asyncpg.Connection, run_id: uuid.UUID) -> int:
        """The run's deactivation requests (emitted or not)."""
        ...

    async def count_participants(self, conn: asyncpg.Connection) -> int: ...

    async def save_participants(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, count: int
    ) -> None: ...


class RefillBatches(PendingActs, Protocol):
    """Batches of a snapshot's refill candidates (``adapters.refill_batches``): ``lock`` is
    the batch's row, ``decide`` moves it to 'approved' or 'rejected'."""

    def maker_of(self, row: asyncpg.Record, /) -> Actor | None: ...

    async def create(
        self,
        conn: asyncpg.Connection,
        batch_id: uuid.UUID,
        run_id: uuid.UUID,
        limit: int,
        actor: Actor | None,
    ) -> int:
        """A pending batch of the run's best ``limit`` candidates that are neither proposed
        nor in another pending batch; how many it holds."""
        ...

    async def find(
        self, conn: asyncpg.Connection | asyncpg.Pool, batch_id: uuid.UUID
    ) -> asyncpg.Record | None: ...

    async def members(
        self, conn: asyncpg.Connection | asyncpg.Pool, batch_id: uuid.UUID
    ) -> list[asyncpg.Record]:
        """The batch's candidates in order: pseudonym, kelurahan, decile, status; no
        personal data."""
        ...

    async def to_propose(
        self, conn: asyncpg.Connection, batch_id: uuid.UUID, personal: ServiceColumns
    ) -> list[dict[str, Any]]:
        """The batch's candidates still to propose, locked, their personal fields opened."""
        ...

    async def mark_candidates(
        self,
        conn: asyncpg.Connection,
        run_id: uuid.UUID,
        proposed: dict[str, uuid.UUID],
        already: Sequence[str],
    ) -> None: ...

    async def insert_many(
        self,
        conn: asyncpg.Connection,
        proposals: Sequence[NewProposal],
        *,
        personal: ResidentColumns | None = None,
        keys: Mapping[str, Dek] | None = None,
    ) -> set[uuid.UUID]: ...
