"""What the reconciliation runs and the agency systems' submissions need of the database,
declared here so ``app/`` imports no adapter (docs/service-template.md). Each port is
implemented by one adapter module (a module matches a Protocol by its functions):
``RunStore`` by ``adapters.reconciliation``, ``RequestStore`` by ``adapters.run_requests``,
``OutcomeStore`` by ``adapters.run_outcomes``, ``SnapshotStore`` by ``adapters.snapshots``,
``SubmissionStore`` by ``adapters.submissions``. ``bootstrap`` gathers them in one
:class:`RunStores` and hands it to the use cases and handlers it builds.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import asyncpg
from jkn_bus.at_rest import ServiceColumns
from jkn_contracts import (
    Actor,
    FindingSubmitted,
    ParticipantDeactivated,
    ParticipantVerified,
    ProposalSubmitted,
    SlotReleased,
)

from enrollment.app.ports import ProposalStore
from enrollment.domain import LineError
from enrollment.domain.snapshot import Seal

__all__ = [
    "Answer",
    "Claim",
    "NewRequest",
    "OutcomeStore",
    "RequestStore",
    "RunStore",
    "RunStores",
    "SnapshotStore",
    "SubmissionStore",
    "Submitted",
]

Conn = asyncpg.Connection | asyncpg.Pool
Submitted = ProposalSubmitted | FindingSubmitted


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


@dataclass(frozen=True)
class Answer:
    """How a submission was answered: what an answer to it (again) is built from."""

    outcome: str  # accepted | refused
    correlation_id: uuid.UUID
    reasons: tuple[tuple[str, str], ...] = ()  # (field, rule)
    proposal_id: uuid.UUID | None = None
    participant_id: str | None = None
    existing_proposal_id: uuid.UUID | None = None
    request_id: uuid.UUID | None = None
    run_id: uuid.UUID | None = None  # the reconciliation run a finding joined (pending)


@dataclass(frozen=True)
class Claim:
    """``new``: this record is the submission's first, to be evaluated; else ``answer`` is
    how it was answered (``same_content``: the same submission sent again)."""

    new: bool
    same_content: bool = True
    answer: Answer | None = None


class RunStore(Protocol):
    """The runs themselves, their counts and line errors."""

    async def find_run(self, conn: Conn, kind: str, fingerprint: str) -> asyncpg.Record | None:
        """The run of this file (kind and fingerprint), if one was stored."""
        ...

    async def create_run(
        self,
        conn: asyncpg.Connection,
        run_id: uuid.UUID,
        kind: str,
        fingerprint: str,
        eligible_deciles: Sequence[int] | None = None,
        *,
        actor: Actor | None = None,
    ) -> bool:
        """A new preview run; False when the same file's run exists."""
        ...

    async def open_submitted_run(
        self, conn: asyncpg.Connection, writer: str, actor: Actor | None
    ) -> tuple[uuid.UUID, bool]: ...

    async def add_to_submitted_run(self, conn: asyncpg.Connection, run_id: uuid.UUID) -> int: ...

    async def emission_actor(
        self, conn: Conn, run_id: uuid.UUID
    ) -> tuple[Actor | None, uuid.UUID | None]:
        """Who approved the run, and their approval's event id (the requests' cause)."""
        ...

    async def count_participants(self, conn: asyncpg.Connection) -> int: ...

    async def save_participants(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, count: int
    ) -> None: ...

    async def planned_by_reason(self, conn: Conn, run_id: uuid.UUID) -> dict[str, int]: ...

    async def last_snapshot_rows(self, conn: asyncpg.Connection) -> int | None: ...

    async def save_counts(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, *, read: int, valid: int, invalid: int
    ) -> None: ...

    async def finish_run(self, conn: Conn, run_id: uuid.UUID) -> None: ...

    async def insert_errors(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, errors: Iterable[LineError]
    ) -> None: ...


class RequestStore(Protocol):
    """A run's deactivation requests: whom they may concern, storing and sending them."""

    async def current_proposals(
        self, conn: asyncpg.Connection, participant_ids: Iterable[str], statuses: Sequence[str]
    ) -> dict[str, asyncpg.Record]:
        """participant_id -> (proposal_id, kelurahan) of current proposals, rows locked."""
        ...

    async def lock_proposals(
        self, conn: asyncpg.Connection, participant_ids: Iterable[str]
    ) -> None: ...

    async def requested_before(
        self, conn: asyncpg.Connection, current: Mapping[str, asyncpg.Record]
    ) -> set[str]: ...

    async def add_requests(
        self, conn: asyncpg.Connection, requests: Sequence[NewRequest]
    ) -> set[uuid.UUID]: ...

    async def unemitted_batch(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, limit: int
    ) -> list[asyncpg.Record]: ...

    async def mark_emitted(
        self, conn: asyncpg.Connection, event_ids: Sequence[uuid.UUID]
    ) -> None: ...


class OutcomeStore(Protocol):
    """What the other agencies did after the requests, and a run's report rows."""

    async def record_slot_release(self, conn: asyncpg.Connection, event: SlotReleased) -> None: ...

    async def record_deactivation(
        self, conn: asyncpg.Connection, event: ParticipantDeactivated
    ) -> None: ...

    async def record_admission(
        self, conn: asyncpg.Connection, event: ParticipantVerified
    ) -> None: ...

    async def requests_of(self, conn: Conn, run_id: uuid.UUID) -> list[asyncpg.Record]: ...

    async def replacements_of(self, conn: Conn, run_id: uuid.UUID) -> list[asyncpg.Record]: ...

    async def error_counts(self, conn: Conn, run_id: uuid.UUID) -> dict[str, int]: ...

    async def candidate_counts(self, conn: Conn, run_id: uuid.UUID) -> dict[str, Any]: ...


class SnapshotStore(Protocol):
    """A registry snapshot in SQL: staging, the diff against proposals, the candidates kept
    (proposed in batches through ``app.ports.RefillBatches``)."""

    async def load_staging(
        self,
        conn: asyncpg.Connection,
        records: AsyncIterable[tuple[Any, ...]],
        *,
        work_mem_mb: int,
    ) -> None: ...

    async def diff_into_requests(
        self,
        conn: asyncpg.Connection,
        run_id: uuid.UUID,
        *,
        statuses: Sequence[str],
        max_eligible: int,
        evidence: str,
        reported_by: str,
    ) -> None: ...

    async def candidate_sealer(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, personal: ServiceColumns
    ) -> Seal: ...

    async def keep_candidates(
        self, conn: asyncpg.Connection, run_id: uuid.UUID, eligible: Sequence[int]
    ) -> int: ...


class SubmissionStore(Protocol):
    """Each agency system's submission once, with how it was answered."""

    async def claim(
        self, conn: asyncpg.Connection, writer: str, submission: Submitted
    ) -> Claim: ...

    async def record_answer(
        self, conn: asyncpg.Connection, writer: str, submission_id: str, answer: Answer
    ) -> None: ...

    async def repeat_answer(
        self, conn: asyncpg.Connection, writer: str, submission_id: str
    ) -> None: ...


@dataclass(frozen=True)
class RunStores:
    """Every store the reconciliation and submission use cases write through, as
    ``bootstrap`` wires them (one set per process, handed to whoever needs them)."""

    runs: RunStore
    requests: RequestStore
    outcomes: OutcomeStore
    snapshots: SnapshotStore
    submissions: SubmissionStore
    proposals: ProposalStore
