"""What the handlers need from the outside: BPJS and the gateway's own participant table,
and the errors BPJS's port raises (the app reacts to them; the adapter raises them)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from jkn_bus import TransientError, UnitOfWork
from jkn_contracts import Membership

from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta

__all__ = [
    "BpjsAuthError",
    "BpjsBusinessError",
    "BpjsError",
    "BpjsPort",
    "BpjsProtocolError",
    "BpjsUnavailable",
    "CardState",
    "Intent",
    "IntentQueue",
    "IntentRecorder",
    "Operation",
    "ParticipantRecord",
    "ParticipantRepository",
    "PesertaStates",
    "Status",
]

Status = Literal["active", "refused", "deactivated"]

_NIK_LIKE = re.compile(r"\d{16}")


class BpjsError(Exception):
    """Base of the errors of a :class:`BpjsPort` (besides ``BridgingDecryptError``)."""


class BpjsBusinessError(BpjsError):
    """BPJS answered with a non-200 ``metaData.code`` (usually "201") and a message."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = _NIK_LIKE.sub("<NIK>", message)
        super().__init__(f"BPJS refused the request (code {code}): {self.message}")


class BpjsAuthError(BpjsError):
    """BPJS rejected the credentials, the signature or the timestamp (HTTP 401/403)."""


class BpjsUnavailable(BpjsError, TransientError):
    """BPJS could not be reached or answered garbage; worth retrying later."""


class BpjsProtocolError(BpjsError):
    """A decrypted response that does not have the shape of the expected record."""


class BpjsPort(Protocol):
    """BPJS's VClaim look-ups and the PBI APBD registration port (``BpjsClient`` fits).

    Failures are the errors above: ``BpjsBusinessError`` (refused),
    ``BpjsAuthError``, ``BpjsUnavailable``, ``BridgingDecryptError``, ``BpjsProtocolError``.
    """

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None: ...

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None: ...

    async def mutate(self, mutation: Mutation) -> MutationResult: ...


@dataclass(frozen=True)
class ParticipantRecord:
    """One participant as the gateway last carried it to BPJS.

    ``nik`` is personal data: the registration port needs it for a *kurang*; it is never
    logged, traced or served over HTTP.
    """

    participant_id: str
    proposal_id: uuid.UUID | None
    nik: str = field(repr=False)
    status: Status
    no_kartu: str | None = None
    kd_provider: str | None = None
    nm_provider: str | None = None
    kelas: str | None = None
    tgl_tmt: date | None = None
    tgl_tat: date | None = None
    deactivation_reason: str | None = None
    bpjs_code: str | None = None
    bpjs_message: str | None = None

    @property
    def effective_date(self) -> date | None:
        """The date the current status took or takes effect (tglTAT once deactivated)."""
        if self.status == "deactivated":
            return self.tgl_tat
        if self.status == "active":
            return self.tgl_tmt
        return None


class ParticipantRepository(Protocol):
    """The gateway's participant table, on the unit of work's connection."""

    async def get_for_update(self, participant_id: str) -> ParticipantRecord | None:
        """The row, locked until the transaction ends (None if unknown)."""
        ...

    async def get(self, participant_id: str) -> ParticipantRecord | None:
        """The row as committed, no lock (None if unknown): what an intent's call needs
        (the worker runs one intent of a participant at a time, ``IntentQueue.claim``)."""
        ...

    async def save(self, record: ParticipantRecord) -> None:
        """Insert or replace the row of ``record.participant_id``."""
        ...

    async def log_mutation(
        self,
        *,
        participant_id: str,
        mutation: str,
        cause_event_id: uuid.UUID | None,
        outcome: Literal["accepted", "refused"],
        tgl_berlaku: date,
        no_kartu: str | None = None,
        bpjs_code: str | None = None,
        bpjs_message: str | None = None,
    ) -> None:
        """Keep an audit row of a mutation filed at BPJS and its answer."""
        ...

    async def erase(self, participant_id: str) -> bool:
        """Drop the resident's NIK and BPJS's free-text messages about them (Dinas Sosial
        erased the resident); True when something was dropped now. Idempotent."""
        ...


@dataclass(frozen=True)
class CardState:
    """A participant's card and BPJS's state of it as the gateway last stored it.

    ``membership`` is None until the first sync look-up of the card.
    """

    participant_id: str
    status: Status
    no_kartu: str | None
    membership: Membership | None


class PesertaStates(Protocol):
    """BPJS's last known state of each card (the periodic peserta sync's table)."""

    async def active_cards(self, *, after: str, limit: int) -> list[CardState]:
        """Active participants with a card, ``participant_id`` > ``after``, in id order."""
        ...

    async def get_for_update(self, participant_id: str) -> CardState | None:
        """The participant's card state, its row locked until the transaction ends."""
        ...

    async def store(self, participant_id: str, membership: Membership) -> None:
        """Remember ``membership`` as BPJS's current state of the participant's card."""
        ...


Operation = Literal["tambah", "kurang", "lookup"]


@dataclass(frozen=True)
class Intent:
    """A call to BPJS the gateway owes (README, Intents): recorded by the consumer,
    claimed and carried out by the worker. ``cause`` is the event as it arrived (its
    personal fields sealed); ``outcome_unknown``: an earlier attempt may have reached BPJS
    (it ended in a timeout, a garbled answer or a crash), so BPJS is looked at first."""

    id: int
    participant_id: str
    operation: Operation
    cause: Any = field(repr=False)
    client_ref: uuid.UUID
    tgl_berlaku: date | None
    attempts: int
    outcome_unknown: bool
    trace: Mapping[str, str] = field(default_factory=dict)  # the recording span's context
    # The participant's row as the claim read it (``read_along``; None: no row yet), so
    # that the call needs no read of its own: the claim's snapshot already holds the
    # outcome of the participant's previous intent (it is claimed only once that is done).
    participant: ParticipantRecord | None = field(default=None, repr=False)
    read_along: bool = False
    # The cause's personal fields as the claim opened them (``opened``; None: the resident
    # was erased), with the key the claim read for its round: the call needs no key read
    # of its own. Read by the worker's call alone, for BPJS; never logged (no repr).
    personal: Any = field(default=None, repr=False)
    opened: bool = False


class IntentRecorder(Protocol):
    """The intents table on the consumer's unit of work."""

    async def record(
        self, *, cause: Any, operation: Operation, tgl_berlaku: date | None = None
    ) -> bool:
        """Record that ``cause`` asks ``operation`` of BPJS (pending); False when this
        cause's intent was recorded before."""
        ...

    async def cancel_open(self, participant_id: str) -> int:
        """Cancel the participant's pending and in-flight intents and drop their causes
        (the resident was erased); how many."""
        ...


class IntentQueue(Protocol):
    """The worker's side of the intents table: each call its own short transaction."""

    async def claim(
        self, operations: Sequence[str], limit: int, *, busy: Collection[str]
    ) -> list[Intent]:
        """Up to ``limit`` due intents of ``operations``, each the oldest open one of its
        participant and none of ``busy``'s, marked in flight (attempt counted) and
        committed. An in-flight one whose lease ran out (a crashed worker) comes back with
        ``outcome_unknown``."""
        ...

    def reading(self, intent: Intent) -> AbstractAsyncContextManager[UnitOfWork]:
        """A connection to read what the call needs, no transaction open (nothing is
        written: ``emit`` refuses); given back before the call."""
        ...

    def recording(
        self, intent: Intent, outcome: str
    ) -> AbstractAsyncContextManager[UnitOfWork | None]:
        """The outcome's transaction, the intent already marked done with ``outcome`` in it
        (its row locked); None when the intent is no longer this claim's (cancelled by an
        erasure, taken over after a lease ran out): nothing is written then."""
        ...

    async def retry(
        self, intent: Intent, *, delay_s: float, unknown: bool, error: str, counted: bool
    ) -> None:
        """Put the intent back, due in ``delay_s``; ``unknown``: BPJS may have acted on it;
        ``counted``: False when nothing was sent (the attempt is not counted)."""
        ...
