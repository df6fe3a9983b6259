"""The topic catalogue: which topic carries which events, and how it is keyed.

One topic per producing agency's aggregate. Every record is keyed by ``participant_id`` so
that one resident's events land in one partition and are read in the order they were
published. Each consuming service has its own dead-letter topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_contracts.envelope import Agency
from jkn_contracts.events import (
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
    NotificationSent,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    PesertaStatusChanged,
    RegistrationRefused,
    SlotReleased,
    VerificationRejected,
)

__all__ = ["CATALOGUE", "CONSUMERS", "TopicSpec", "dead_letter_topic", "topic_for"]


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: Agency
    events: tuple[type, ...]
    partitions: int = 6
    description: str = ""


CATALOGUE: tuple[TopicSpec, ...] = (
    TopicSpec(
        "jkn.dinsos.participants",
        Agency.DINSOS,
        (ParticipantRegistered, DeactivationRequested),
        description="Dinas Sosial: proposals and deactivation requests.",
    ),
    TopicSpec(
        "jkn.dinkes.verifications",
        Agency.DINKES,
        (
            CoverageCheckRequested,
            ParticipantVerified,
            VerificationRejected,
            ParticipantWaitlisted,
            SlotReleased,
        ),
        description="Dinas Kesehatan: verification decisions, waiting list and quota slots.",
    ),
    TopicSpec(
        "jkn.bpjs.participants",
        Agency.BPJS_GATEWAY,
        (
            CoverageReported,
            ParticipantActivated,
            RegistrationRefused,
            ParticipantDeactivated,
            PesertaStatusChanged,
        ),
        description="BPJS Kesehatan's answers, carried by the gateway.",
    ),
    TopicSpec(
        "jkn.notifications.messages",
        Agency.NOTIFICATIONS,
        (NotificationSent,),
        description="What residents and agencies were told.",
    ),
)

# consumer group (service) -> topics it reads
CONSUMERS: dict[str, tuple[str, ...]] = {
    "enrollment": ("jkn.dinkes.verifications", "jkn.bpjs.participants"),
    "verification": ("jkn.dinsos.participants", "jkn.bpjs.participants"),
    "bpjs-gateway": ("jkn.dinsos.participants", "jkn.dinkes.verifications"),
    "notifications": (
        "jkn.dinsos.participants",
        "jkn.dinkes.verifications",
        "jkn.bpjs.participants",
    ),
    # The audit trail keeps every fact of every agency.
    "audit": tuple(spec.name for spec in CATALOGUE),
}

_BY_EVENT = {event.__name__: spec.name for spec in CATALOGUE for event in spec.events}


def topic_for(event_type: str, prefix: str = "") -> str:
    """The topic an event type is published on (``prefix`` isolates test runs)."""
    return prefix + _BY_EVENT[event_type]


def dead_letter_topic(consumer_group: str, prefix: str = "") -> str:
    """The dead-letter topic of one consuming service."""
    return f"{prefix}jkn.dlq.{consumer_group}"
