"""What the notification handlers need from outside: the address book and the pending
messages, on the unit of work's connection (adapter: ``adapters.mailroom``, SQL over
``adapters.contacts``, ``adapters.messages`` and ``adapters.erasure``, wired in
``bootstrap``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

__all__ = ["Mailroom", "NewMessage", "Reach", "StoredContact"]


@dataclass(frozen=True)
class StoredContact:
    """A resident's contact as stored, in clear (every field None once erased)."""

    name: str | None
    sex: str | None
    phone: str | None
    email: str | None


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

    async def remember(self, participant_id: str, resident: Reach) -> None:
        """Store (or refresh) how to reach this resident."""
        ...

    async def ensure_contact(self, participant_id: str) -> None:
        """Make sure the participant has a contact row (the dispatcher's lock target)."""
        ...

    async def contact(self, participant_id: str) -> StoredContact | None:
        """The contact in clear; None when the participant has no row."""
        ...

    async def queue(self, message: NewMessage) -> bool:
        """Add a pending message unless its idempotency key exists; True if added."""
        ...

    async def mark_leaving(self, participant_id: str, since: datetime | None) -> None:
        """Note when Dinas Sosial asked this resident to leave (DeactivationRequested), or
        clear it (None: proposed again), docs/domain.md#race-messages."""
        ...

    async def leaving(self, participant_id: str) -> bool:
        """Was this resident asked to leave, and not proposed again since?"""
        ...

    async def erase(self, participant_id: str) -> None:
        """Forget the resident's contact and every text about them (idempotent)."""
        ...
