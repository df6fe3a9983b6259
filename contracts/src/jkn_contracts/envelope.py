"""The envelope every jkn-daerah event travels in.

An event is a fact that one agency owns. The envelope says which fact (``event_type`` and
``schema_version``), when it happened, who stated it (``producer``), about whom
(``participant_id``, a keyed pseudonym of the NIK, never the NIK itself), why it
happened (``causation_id``: the event that caused it; ``correlation_id``: the resident's
journey it belongs to) and, when a person or a system acted, who acted (``actor``).
W3C trace context travels in Kafka headers, not in the body.

Two kinds of facts share the envelope. A ``ResidentEvent`` is about one resident: it names
them (``participant_id``) and is keyed by them on Kafka. An ``AgencyAct`` is an agency's
act about no single resident (a quota set, a feedback item answered, a sync asked for): its
``participant_id`` is null, it always names its ``actor``, and it is keyed by what orders
it (``record_key``; the topic catalogue says which key each act uses).
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = [
    "ACTOR_ID_PATTERN",
    "PARTICIPANT_ID_PATTERN",
    "Actor",
    "Agency",
    "AgencyAct",
    "EventBase",
    "ParticipantId",
    "ResidentEvent",
    "utcnow",
]

PARTICIPANT_ID_PATTERN = r"^P[0-9a-f]{24}$"
ACTOR_ID_PATTERN = r"^act_[0-9a-f]{24}$"

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


class Actor(BaseModel):
    """The authenticated person or system whose command caused a fact.

    ``id`` is pseudonymous: an HMAC of the identity provider's issuer and subject under the
    city's pseudonym key (``jkn_bus.auth.actor_id``). The identity provider, which knows
    the subject, resolves it for an investigation; a reader of the bus learns the agency
    that acted and whether a person or a system did, never who the officer is.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    id: str = Field(
        pattern=ACTOR_ID_PATTERN,
        description="Pseudonymous id of the acting person or system (act_ + 24 hex digits).",
        examples=["act_5f0e2b7c9a1d3e4f60718293"],
    )
    agency: str = Field(
        pattern=r"^[a-z][a-z0-9-]{0,39}$",
        description="The actor's agency as their token names it (claim jkn_agency), e.g. "
        "dinsos, dinkes, bpjs-gateway, kelurahan, inspektorat.",
    )
    kind: Literal["person", "system"] = Field(
        description="person: signed in as a user; system: an application's own credentials."
    )


class EventBase(BaseModel):
    """Fields shared by every event. Concrete events fix ``event_type`` and ``payload``,
    and derive from ``ResidentEvent`` or ``AgencyAct``."""

    # hide_input_in_errors: payloads carry personal data (NIK, names); a validation error
    # must never print them into a log or a dead-letter reason.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Unique id of this fact.")
    schema_version: int = Field(1, ge=1, description="Major version of this event type's schema.")
    occurred_at: AwareDatetime = Field(
        default_factory=utcnow, description="When it happened (UTC)."
    )
    producer: Agency = Field(description="The agency that states this fact.")
    participant_id: ParticipantId | None = Field(
        None, description="The resident the fact is about; null for an act about no single one."
    )
    correlation_id: uuid.UUID = Field(
        description="The resident journey (or reconciliation run, sync pass) this event "
        "belongs to; an act that starts nothing further has one of its own."
    )
    causation_id: uuid.UUID | None = Field(
        None, description="event_id of the event that caused this one; null for a first cause."
    )
    actor: Actor | None = Field(
        None,
        description="The authenticated person or system whose command caused this fact; "
        "absent for facts caused by another event (see causation_id) or by the service "
        "itself (timers).",
    )

    key_description: ClassVar[str] = "participant_id"

    def record_key(self) -> str:
        """The Kafka record key: the participant, so one resident's events keep their order."""
        if self.participant_id is None:
            raise ValueError(f"{type(self).__name__} names no participant to key it by")
        return self.participant_id


class ResidentEvent(EventBase):
    """A fact about one resident, keyed by their pseudonym."""

    participant_id: ParticipantId


class AgencyAct(EventBase):
    """An agency's act about no single resident, always by an authenticated actor.

    Subclasses say what keys their records (``record_key``, described for the AsyncAPI
    document by ``key_description``): the thing whose acts must stay in order.
    """

    participant_id: None = Field(None, description="Always null: an act about no resident.")
    actor: Actor = Field(description="The authenticated person or system who acted.")

    key_description: ClassVar[str] = ""

    @abstractmethod
    def record_key(self) -> str:
        """What keeps this kind of act in order (each subclass says; pydantic's metaclass is
        an ABCMeta, so an act that does not say cannot be built)."""
