"""What ``app/`` needs from outside, each wired in ``bootstrap``:

- the handlers: the address book and the pending messages, on the unit of work's
  connection (``Mailroom``; adapter ``adapters.mailroom``, SQL over ``adapters.contacts``,
  ``adapters.messages`` and ``adapters.erasure``);
- the dispatcher: the due messages (``Outbox``; adapter ``adapters.outbox``) and the
  channels they leave by (``MessageChannel``; adapters ``adapters.channels``);
- the feedback desk: the items and their replies (``FeedbackBook``; adapter
  ``adapters.feedback_book``) and its Prometheus series (``FeedbackMetrics``; adapter
  ``adapters.metrics``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, runtime_checkable

from notifications.domain.feedback import Kind

__all__ = [
    "BatchChannel",
    "ChannelError",
    "Delivery",
    "DueMessage",
    "FeedbackBook",
    "FeedbackItem",
    "FeedbackMetrics",
    "Mailroom",
    "MessageChannel",
    "NewItem",
    "NewMessage",
    "Outbox",
    "Reach",
    "StoredContact",
]


@dataclass(frozen=True)
class StoredContact:
    """A resident's contact as stored, in clear (every field None once erased);
    ``leaving``: Dinas Sosial asked them to leave and they were not proposed again since."""

    name: str | None
    sex: str | None
    phone: str | None
    email: str | None
    leaving: bool = False


class Reach(Protocol):
    """How to greet and reach a resident (opened from an event's sealed fields)."""

    @property
    def name(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


@dataclass(frozen=True)
class NewMessage:
    """A message about a participant's event, or (``tracking_number``, no participant) a
    reply of the feedback channel."""

    message_id: uuid.UUID
    idempotency_key: str
    participant_id: str | None
    correlation_id: uuid.UUID | None
    about_event_id: uuid.UUID | None
    about_event_type: str | None
    template: str
    subject: str
    body: str = field(repr=False)
    channel: str
    tracking_number: str | None = None
    secret: str | None = field(default=None, repr=False)


class Mailroom(Protocol):
    """The address book and the pending messages, inside the handler's transaction."""

    async def remember(
        self, participant_id: str, resident: Reach, *, proposed_again: bool = False
    ) -> bool:
        """Store (or refresh) how to reach this resident; ``proposed_again``: a new
        proposal, which ends their leaving (``mark_leaving(None)``). Returns whether they
        are leaving (``leaving``), from the same statement."""
        ...

    async def ensure_contact(
        self, participant_id: str, *, read: bool = False
    ) -> StoredContact | None:
        """Make sure the participant has a contact row (the dispatcher's lock target);
        with ``read``, the contact in clear as it was, whether they are leaving included
        (None: they had no row), one statement for both."""
        ...

    async def queue(self, message: NewMessage) -> bool:
        """Add a pending message unless its idempotency key exists; True if added."""
        ...

    async def mark_leaving(self, participant_id: str, since: datetime | None) -> None:
        """Note when Dinas Sosial asked this resident to leave (DeactivationRequested), or
        clear it (None: proposed again), docs/domain.md#race-messages."""
        ...

    async def erase(self, participant_id: str) -> None:
        """Forget the resident's contact and every text about them (idempotent)."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One message to one address. ``address`` is personal data: never log it.
    ``participant_id`` or ``tracking_number``: who or what the message is about."""

    message_id: uuid.UUID
    channel: str
    address: str | None = field(repr=False)
    subject: str
    body: str = field(repr=False)
    participant_id: str | None = None
    tracking_number: str | None = None


class ChannelError(Exception):
    """A delivery failed; the text must not contain the address or the body.
    ``permanent``: retrying cannot help (no such number, no provider)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class MessageChannel(Protocol):
    """Delivers a message or raises ``ChannelError``. ``message_id`` is passed so that a
    provider with idempotency keys can drop a resend after a crash between its
    acknowledgement and our commit."""

    async def send(self, delivery: Delivery) -> None: ...


@runtime_checkable
class BatchChannel(MessageChannel, Protocol):
    """A channel that takes a dispatcher round's deliveries at once (the dev sink: one
    INSERT). Answers each delivery's outcome in their order: None (accepted) or the
    exception that one failed with, so one bad delivery fails alone."""

    async def send_many(self, deliveries: Sequence[Delivery]) -> list[Exception | None]: ...


@dataclass(frozen=True)
class DueMessage:
    """A pending message claimed for sending (its texts stay sealed until ``texts``)."""

    message_id: uuid.UUID
    participant_id: str | None
    tracking_number: str | None
    correlation_id: uuid.UUID | None
    about_event_id: uuid.UUID | None
    about_event_type: str | None
    template: str
    channel: str
    attempts: int
    trace_headers: Mapping[str, str]


class Outbox(Protocol):
    """The pending messages, inside one dispatcher transaction."""

    async def claim_due(self, limit: int) -> list[DueMessage]:
        """Lock up to ``limit`` due messages, skipping those another dispatcher holds, with
        the contact rows of their participants (one transaction at a time sends and emits
        for a participant, all their due messages claimed together); created order."""
        ...

    async def addresses(self, messages: Sequence[DueMessage]) -> dict[uuid.UUID, str | None]:
        """Where each claimed message goes (personal data), by message id."""
        ...

    async def texts(self, message: DueMessage) -> tuple[str, str]:
        """``(subject, body)`` opened ('' once the resident is erased)."""
        ...

    async def mark_sent(self, messages: Sequence[DueMessage]) -> None:
        """Sent; a secret a body carried (a feedback access code) is masked."""
        ...

    async def mark_failed(self, message: DueMessage, reason: str) -> None:
        """Given up, with ``reason`` (no personal data); a carried secret is masked."""
        ...

    async def retry_later(self, message: DueMessage, reason: str, delay_s: float) -> None:
        """Another attempt in ``delay_s`` seconds."""
        ...


@dataclass(frozen=True)
class NewItem:
    """A feedback item as received (``message`` and ``reply_address`` personal data)."""

    tracking_number: str
    access_hash: bytes
    kind: str
    topic: str
    agency: str
    channel: str
    inbound_message_id: str | None
    message: str = field(repr=False)
    reply_channel: str | None
    reply_address: str | None = field(repr=False)
    participant_id: str | None
    received_at: datetime
    due_date: date


@dataclass(frozen=True)
class FeedbackItem:
    """A stored item as the desk's use cases read it (no text, no address)."""

    tracking_number: str
    kind: Kind
    agency: str
    status: str
    due_date: date
    reply_channel: str | None


class FeedbackBook(Protocol):
    """The feedback items, their history and replies, inside one unit of work."""

    async def next_number(self) -> int:
        """The next sequence number of a tracking number."""
        ...

    async def insert(self, item: NewItem) -> bool:
        """Add the item unless its webhook delivery was recorded already; True if added."""
        ...

    async def find_inbound(self, channel: str, inbound_message_id: str) -> FeedbackItem | None:
        """The item a provider's message was recorded as."""
        ...

    async def find(self, tracking_number: str, *, lock: bool = False) -> FeedbackItem | None:
        """The item; ``lock`` holds it for this transaction."""
        ...

    async def add_history(
        self,
        tracking_number: str,
        action: str,
        *,
        actor: str,
        agency: str,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        """One row of the item's history."""
        ...

    async def mark_answered(
        self, tracking_number: str, answer: str, *, answered_by: str, at: datetime
    ) -> None:
        """Record the agency's answer."""
        ...

    async def route_to(self, tracking_number: str, agency: str) -> None:
        """Hand the item to another agency; its due date stays."""
        ...

    async def queue_reply(self, message: NewMessage) -> bool:
        """Queue a reply to the sender unless its idempotency key exists; True if added."""
        ...


class FeedbackMetrics(Protocol):
    """The feedback channel's series."""

    def received(self, channel: str, kind: str) -> None:
        """Count one item received."""
        ...

    async def observe(self, today: date) -> None:
        """Set the open/overdue gauges from the stored items (may raise a database error)."""
        ...
