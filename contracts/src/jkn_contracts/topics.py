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
agency's topic; ``CONSUMERS`` names what each service may read, derived from ``HANDLED``,
the events each service acts on (``jkn_contracts.subscriptions``). ``jkn_devstack`` turns both
into Kafka users and ACLs, and consumers refuse an event that is not of its topic.

Agencies' own systems submit on inbound topics (``jkn_contracts.inbound``: ``INBOUND``, one
topic per writing system, and its reply topic); the names are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_contracts.envelope import Agency
from jkn_contracts.events import (
    AccessRequestAnswered,
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
    FeedbackAnswered,
    FeedbackRerouted,
    ImportApproved,
    ImportRejected,
    NotificationSent,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    PesertaStatusChanged,
    PesertaSyncRequested,
    QuotaChanged,
    QuotaCutApproved,
    QuotaCutRejected,
    ReconciliationRunApproved,
    ReconciliationRunPreviewed,
    ReconciliationRunRejected,
    RefillBatchApproved,
    RefillBatchRejected,
    RegistrationRefused,
    ResidentDataErased,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.inbound import (
    AGENCY_SYSTEMS,
    INBOUND,
    REPLY_EVENTS,
    InboundSpec,
    inbound_spec,
)
from jkn_contracts.subscriptions import ACTS_ON

__all__ = [
    "AGENCY_SYSTEMS",
    "BUS_SERVICES",
    "CATALOGUE",
    "CONSUMERS",
    "HANDLED",
    "INBOUND",
    "PUBLISHERS",
    "REPLY_EVENTS",
    "InboundSpec",
    "TopicSpec",
    "dead_letter_topic",
    "events_of",
    "handled_by",
    "ignored_by",
    "inbound_spec",
    "publisher_of",
    "topic_for",
    "topics_published_by",
    "topics_written_by",
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
        (
            ParticipantRegistered,
            DeactivationRequested,
            ReconciliationRunPreviewed,
            ReconciliationRunApproved,
            ReconciliationRunRejected,
            ImportApproved,
            ImportRejected,
            RefillBatchApproved,
            RefillBatchRejected,
            ResidentDataErased,
            AccessRequestAnswered,
        ),
        description="Dinas Sosial: proposals, deactivation requests, reconciliation runs, "
        "import and refill decisions, erasures, answered access requests.",
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
            QuotaCutApproved,
            QuotaCutRejected,
        ),
        description="Dinas Kesehatan: verification decisions, waiting list, quota and slots, "
        "quota-cut decisions.",
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

# consuming service -> the event types it handles: each service's own list
# (jkn_contracts.subscriptions), and every fact of every agency for the audit trail
HANDLED: dict[str, tuple[type, ...]] = {
    **ACTS_ON,
    "audit": tuple(event for spec in CATALOGUE for event in spec.events),
}


def _topics_carrying(events: tuple[type, ...]) -> tuple[str, ...]:
    """The catalogue topics carrying any of ``events`` (catalogue order), then the inbound
    topics whose submissions are among them."""
    wanted = set(events)
    facts = [spec.name for spec in CATALOGUE if wanted.intersection(spec.events)]
    return (*facts, *(spec.name for spec in INBOUND if wanted.intersection(spec.events)))


# consumer group (service) -> topics it reads: those carrying the events it handles (an
# inbound topic is read by its owner, the one service handling its submissions)
CONSUMERS: dict[str, tuple[str, ...]] = {
    service: _topics_carrying(events) for service, events in HANDLED.items()
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
_EVENTS_OF |= {spec.name: frozenset(e.__name__ for e in spec.events) for spec in INBOUND}
_EVENTS_OF |= {spec.reply_topic: frozenset(e.__name__ for e in REPLY_EVENTS) for spec in INBOUND}
_SPEC = {spec.name: spec for spec in CATALOGUE}


def topic_for(event_type: str, prefix: str = "") -> str:
    """The topic an event type is published on (``prefix`` isolates test runs)."""
    return prefix + _BY_EVENT[event_type]


def dead_letter_topic(consumer_group: str, prefix: str = "") -> str:
    """The dead-letter topic of one consuming service."""
    return f"{prefix}jkn.dlq.{consumer_group}"


def events_of(topic: str) -> frozenset[str]:
    """The event types that may travel on a catalogue, inbound or reply topic (unprefixed
    name); none for others."""
    return _EVENTS_OF.get(topic, frozenset())


def publisher_of(topic: str) -> str:
    """The service whose principal alone may write a catalogue topic (unprefixed name)."""
    return PUBLISHERS[_SPEC[topic].owner]


def topics_published_by(service: str) -> tuple[str, ...]:
    """The catalogue topics (unprefixed) that ``service`` writes: those of its agency."""
    return tuple(spec.name for spec in CATALOGUE if PUBLISHERS[spec.owner] == service)


def topics_written_by(service: str) -> tuple[str, ...]:
    """Every topic (unprefixed) ``service`` writes: its agency's, and the reply topics of the
    inbound topics it owns (its dead-letter topic aside)."""
    replies = tuple(spec.reply_topic for spec in INBOUND if spec.owner == service)
    return topics_published_by(service) + replies


def handled_by(service: str) -> frozenset[str]:
    """The event types ``service`` acts on (names); none for a service that consumes
    nothing. Its handler table names exactly these."""
    return frozenset(event.__name__ for event in HANDLED.get(service, ()))


def ignored_by(service: str) -> frozenset[str]:
    """The event types that reach ``service`` on its topics and that it skips on purpose."""
    arriving = frozenset().union(*(events_of(topic) for topic in CONSUMERS.get(service, ())))
    return arriving - handled_by(service)
