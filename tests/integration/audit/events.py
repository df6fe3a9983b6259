"""The event the audit tests append most: a resident told of their activation."""

from __future__ import annotations

import uuid
from datetime import datetime

from jkn_contracts import NotificationSent

__all__ = ["activation_told"]


def activation_told(
    pid: str,
    *,
    correlation_id: uuid.UUID | None = None,
    causation_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> NotificationSent:
    """``pid`` was sent the 'participant_activated' message on the dev sink."""
    extra = {"occurred_at": occurred_at} if occurred_at is not None else {}
    return NotificationSent(
        participant_id=pid,
        correlation_id=correlation_id or uuid.uuid4(),
        causation_id=causation_id,
        payload={
            "message_id": uuid.uuid4(),
            "channel": "dev_sink",
            "template": "participant_activated",
            "about_event_type": "ParticipantActivated",
            "status": "sent",
        },
        **extra,
    )
