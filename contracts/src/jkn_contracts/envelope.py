"""The envelope every jkn-daerah event travels in.

An event is a fact that one agency owns. The envelope says which fact (``event_type`` and
``schema_version``), when it happened, who stated it (``producer``), about whom
(``participant_id``, a keyed pseudonym of the NIK, never the NIK itself) and why it
happened (``causation_id``: the event that caused it; ``correlation_id``: the resident's
journey it belongs to). W3C trace context travels in Kafka headers, not in the body.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["PARTICIPANT_ID_PATTERN", "Agency", "EventBase", "ParticipantId", "utcnow"]

PARTICIPANT_ID_PATTERN = r"^P[0-9a-f]{24}$"

ParticipantId = Annotated[
    str,
    Field(
        pattern=PARTICIPANT_ID_PATTERN,
        description="Keyed pseudonym of the resident's NIK (see jkn_contracts.identity). "
        "Stable across agencies; reveals nothing without the city's pseudonym key.",
        examples=["P3f9a0c1d2e4b5a6978877665"],
    ),
]


class Agency(StrEnum):
    """The bodies whose facts travel on the bus. Only the owner publishes its facts."""

    DINSOS = "dinsos"  # Dinas Sosial: who is proposed, who must leave
    DINKES = "dinkes"  # Dinas Kesehatan: verification and quota
    BPJS_GATEWAY = "bpjs-gateway"  # carries BPJS Kesehatan's answers back to the city
    NOTIFICATIONS = "notifications"  # what residents and agencies were told


def utcnow() -> datetime:
    """Current time, timezone-aware in UTC (events never carry naive datetimes)."""
    return datetime.now(UTC)


class EventBase(BaseModel):
    """Fields shared by every event. Concrete events fix ``event_type`` and ``payload``."""

    # hide_input_in_errors: payloads carry personal data (NIK, names); a validation error
    # must never print them into a log or a dead-letter reason.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique id of this fact.")
    schema_version: int = Field(1, ge=1, description="Major version of this event type's schema.")
    occurred_at: AwareDatetime = Field(
        default_factory=utcnow, description="When it happened (UTC)."
    )
    producer: Agency = Field(description="The agency that states this fact.")
    participant_id: ParticipantId
    correlation_id: uuid.UUID = Field(
        description="The resident journey (or reconciliation run) this event belongs to."
    )
    causation_id: uuid.UUID | None = Field(
        None, description="event_id of the event that caused this one; null for a first cause."
    )
