"""Idempotency of outbound messages: one event, one channel, one message — ever.

Events are delivered at least once (outbox relay, consumer retries), so a redelivered
event must map to the message already sent. The key is derived from the event's id, not
from the time or the text, so a re-rendered template cannot defeat it.
"""

from __future__ import annotations

import uuid
from typing import Literal

from jkn_contracts import EventBase

__all__ = ["Channel", "idempotency_key", "message_id"]

Channel = Literal["sms", "whatsapp", "email", "dev_sink"]

# Fixed namespace for message ids; changing it would resend every message.
_NAMESPACE = uuid.UUID("7a3c1f52-2d4e-5b8a-9c61-0e4f8d2b7a10")


def idempotency_key(event: EventBase, channel: Channel) -> str:
    """A stable key for the message about ``event`` on ``channel``.

    Holds no personal data: the event type, its id and the channel, e.g.
    ``"ParticipantActivated:1b4e…:sms"``.
    """
    return f"{type(event).__name__}:{event.event_id}:{channel}"


def message_id(event: EventBase, channel: Channel) -> uuid.UUID:
    """The deterministic ``NotificationSent.payload.message_id`` for that same message."""
    return uuid.uuid5(_NAMESPACE, idempotency_key(event, channel))
