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

Agencies' own systems (Dinsos's SIKS-NG, a kelurahan's system) do not state facts: they
submit (``jkn_contracts.submissions``). ``INBOUND`` lists their topics, each with the ONE
system principal that may write it (``writer``), the service that reads it and answers
(``owner``), and the reply topic only that system may read. An inbound topic is distinct from
a fact topic (``InboundSpec``, not ``TopicSpec``): the audit trail does not read it (the
facts an accepted submission leads to are the owner's, on its agency's topic). Because a
Kafka record does not say who wrote it, the topic is what tells the owner who submitted:
one topic per writing system, so a kelurahan's system has a topic of its own, and the
``kelurahan`` it may report on is kept here (the consumer enforces it: ACLs cannot look
inside records).
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
from jkn_contracts.submissions import (
    FindingSubmitted,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
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

# The answers an owner gives on a reply topic (keyed by the sender's submission_id).
REPLY_EVENTS: tuple[type, ...] = (SubmissionAccepted, SubmissionRefused)


@dataclass(frozen=True)
class InboundSpec:
    """An agency system's inbound topic: what it may submit, and where it is answered.

    ``writer`` is the system's Kafka principal (SCRAM user; WRITE here, READ on
    ``reply_topic`` and on its own consumer group of the same name), ``agency`` the agency
    it acts for (its actor's agency on the facts it causes), ``owner`` the one service that
    reads the topic and writes the reply topic. ``kelurahan``: the one kelurahan whose
    findings the writer may submit (None: any).
    """

    name: str
    writer: str
    agency: str
    owner: str
    events: tuple[type, ...]
    reply_topic: str
    kelurahan: str | None = None
    partitions: int = 3
    description: str = ""


INBOUND: tuple[InboundSpec, ...] = (
    InboundSpec(
        "jkn.dinsos.submissions",
        writer="dinsos-siks",
        agency=Agency.DINSOS.value,
        owner="enrollment",
        events=(ProposalSubmitted,),
        reply_topic="jkn.dinsos.submission-replies",
        description="Proposals submitted by Dinas Sosial's welfare-data system (SIKS-NG).",
    ),
    InboundSpec(
        "jkn.kelurahan.1571011001.submissions",
        writer="kelurahan-1571011001",
        agency="kelurahan",
        owner="enrollment",
        events=(FindingSubmitted,),
        reply_topic="jkn.kelurahan.1571011001.submission-replies",
        kelurahan="1571011001",
        description="Findings submitted by Kelurahan Telanaipura's system (its own only).",
    ),
)

# the agency systems' principals (each writes its inbound topic and reads its replies)
AGENCY_SYSTEMS: tuple[str, ...] = tuple(dict.fromkeys(spec.writer for spec in INBOUND))

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
_INBOUND = {spec.name: spec for spec in INBOUND}


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


def inbound_spec(topic: str) -> InboundSpec | None:
    """The inbound topic's spec (unprefixed name): who alone writes it; None for others."""
    return _INBOUND.get(topic)


def handled_by(service: str) -> frozenset[str]:
    """The event types ``service`` acts on (names); none for a service that consumes
    nothing. Its handler table names exactly these."""
    return frozenset(event.__name__ for event in HANDLED.get(service, ()))


def ignored_by(service: str) -> frozenset[str]:
    """The event types that reach ``service`` on its topics and that it skips on purpose."""
    arriving = frozenset().union(*(events_of(topic) for topic in CONSUMERS.get(service, ())))
    return arriving - handled_by(service)
