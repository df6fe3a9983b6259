"""The topic catalogue: which topic carries which events, and how it is keyed.

One topic per producing agency's aggregate. Every record about a resident is keyed by
``participant_id`` so that one resident's events land in one partition and are read in the
order they were published. An agency's act about no single resident (``AgencyAct``: a quota
set, a feedback item answered or rerouted, a sync asked for) travels on its agency's topic
too, keyed by what orders it (``record_key``): ``quota:<budget_year>``, the tracking
number, ``sync``. Consumers that do not handle an event type skip it (``ignored``), so a
new act on a topic changes nothing for them. Each consuming service has its own
dead-letter topic.

Who may say what is read from here too: ``PUBLISHERS`` names the one service that states an
agency's facts, so the broker lets that service's principal (and no other) write the
agency's topic; ``CONSUMERS`` names what each service may read. ``jkn_devstack`` turns both
into Kafka users and ACLs, and consumers refuse an event that is not of its topic.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_contracts.envelope import Agency
from jkn_contracts.events import (
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
    FeedbackAnswered,
    FeedbackRerouted,
    NotificationSent,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    PesertaStatusChanged,
    PesertaSyncRequested,
    QuotaChanged,
    RegistrationRefused,
    SlotReleased,
    VerificationRejected,
)

__all__ = [
    "BUS_SERVICES",
    "CATALOGUE",
    "CONSUMERS",
    "PUBLISHERS",
    "TopicSpec",
    "dead_letter_topic",
    "events_of",
    "publisher_of",
    "topic_for",
    "topics_published_by",
]


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
            QuotaChanged,
        ),
        description="Dinas Kesehatan: verification decisions, waiting list, quota and slots.",
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
            PesertaSyncRequested,
        ),
        description="BPJS Kesehatan's answers, carried by the gateway; syncs asked for.",
    ),
    TopicSpec(
        "jkn.notifications.messages",
        Agency.NOTIFICATIONS,
        (NotificationSent, FeedbackAnswered, FeedbackRerouted),
        description="What residents and agencies were told; feedback answered, rerouted.",
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

# agency -> the one service that states its facts: the only principal allowed to write the
# agency's topic(s). The audit trail publishes nothing.
PUBLISHERS: dict[Agency, str] = {
    Agency.DINSOS: "enrollment",
    Agency.DINKES: "verification",
    Agency.BPJS_GATEWAY: "bpjs-gateway",
    Agency.NOTIFICATIONS: "notifications",
}

# every service that has a principal on the bus (it publishes, consumes, or both)
BUS_SERVICES: tuple[str, ...] = tuple(dict.fromkeys([*PUBLISHERS.values(), *CONSUMERS]))

_BY_EVENT = {event.__name__: spec.name for spec in CATALOGUE for event in spec.events}
_EVENTS_OF = {spec.name: frozenset(event.__name__ for event in spec.events) for spec in CATALOGUE}
_SPEC = {spec.name: spec for spec in CATALOGUE}


def topic_for(event_type: str, prefix: str = "") -> str:
    """The topic an event type is published on (``prefix`` isolates test runs)."""
    return prefix + _BY_EVENT[event_type]


def dead_letter_topic(consumer_group: str, prefix: str = "") -> str:
    """The dead-letter topic of one consuming service."""
    return f"{prefix}jkn.dlq.{consumer_group}"


def events_of(topic: str) -> frozenset[str]:
    """The event types that may travel on a catalogue topic (unprefixed name); none for others."""
    return _EVENTS_OF.get(topic, frozenset())


def publisher_of(topic: str) -> str:
    """The service whose principal alone may write a catalogue topic (unprefixed name)."""
    return PUBLISHERS[_SPEC[topic].owner]


def topics_published_by(service: str) -> tuple[str, ...]:
    """The catalogue topics (unprefixed) that ``service`` writes: those of its agency."""
    return tuple(spec.name for spec in CATALOGUE if PUBLISHERS[spec.owner] == service)
