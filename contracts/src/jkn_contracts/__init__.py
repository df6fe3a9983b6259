"""Published contracts of jkn-daerah: the event envelope, the events and the topic catalogue.

Other systems integrate only through these. ``parse_event`` turns a Kafka record value
into the right event class; ``EVENT_TYPES`` maps names to classes. Agencies' systems submit
on inbound topics and are answered on reply topics (``jkn_contracts.submissions``):
``SUBMISSION_TYPES`` and ``REPLY_TYPES`` name those, ``MESSAGE_TYPES`` every type with a
schema, and ``parse_message`` reads any of them (what a consumer of any topic may receive).
"""

from __future__ import annotations

from typing import Annotated, cast

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from jkn_contracts.envelope import (
    ACTOR_ID_PATTERN,
    PARTICIPANT_ID_PATTERN,
    Actor,
    Agency,
    AgencyAct,
    EventBase,
    ResidentEvent,
    utcnow,
)
from jkn_contracts.events import (
    AccessRequestAnswered,
    AccessRequester,
    CoverageCheckRequested,
    CoverageReported,
    DeactivationReason,
    DeactivationRequested,
    ErasureGround,
    FeedbackAnswered,
    FeedbackRerouted,
    ImportApproved,
    ImportRejected,
    Membership,
    NotificationSent,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    PesertaStatusChanged,
    PesertaSyncRequested,
    ProposalSource,
    QuotaChanged,
    QuotaCutApproved,
    QuotaCutRejected,
    ReconciliationRunApproved,
    ReconciliationRunPreviewed,
    ReconciliationRunRejected,
    RefillBatchApproved,
    RefillBatchRejected,
    RegistrationRefused,
    RejectionReason,
    Resident,
    ResidentDataErased,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.identity import participant_id_for, pseudonym
from jkn_contracts.legacy import LegacyEvent, legacy_v1_type
from jkn_contracts.personal import Protected
from jkn_contracts.submissions import (
    FindingSubmitted,
    ProposalSubmitted,
    Submission,
    SubmissionAccepted,
    SubmissionRefused,
    SubmissionReply,
)
from jkn_contracts.topics import (
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    InboundSpec,
    TopicSpec,
    dead_letter_topic,
    topic_for,
)

__all__ = [
    "ACTOR_ID_PATTERN",
    "CATALOGUE",
    "CONSUMERS",
    "EVENT_TYPES",
    "INBOUND",
    "MESSAGE_TYPES",
    "PARTICIPANT_ID_PATTERN",
    "REPLY_TYPES",
    "SUBMISSION_TYPES",
    "AccessRequestAnswered",
    "AccessRequester",
    "Actor",
    "Agency",
    "AgencyAct",
    "AnyEvent",
    "AnyMessage",
    "CoverageCheckRequested",
    "CoverageReported",
    "DeactivationReason",
    "DeactivationRequested",
    "ErasureGround",
    "EventBase",
    "FeedbackAnswered",
    "FeedbackRerouted",
    "FindingSubmitted",
    "ImportApproved",
    "ImportRejected",
    "InboundSpec",
    "LegacyEvent",
    "Membership",
    "NotificationSent",
    "ParticipantActivated",
    "ParticipantDeactivated",
    "ParticipantRegistered",
    "ParticipantVerified",
    "ParticipantWaitlisted",
    "PesertaStatusChanged",
    "PesertaSyncRequested",
    "ProposalSource",
    "ProposalSubmitted",
    "Protected",
    "QuotaChanged",
    "QuotaCutApproved",
    "QuotaCutRejected",
    "ReconciliationRunApproved",
    "ReconciliationRunPreviewed",
    "ReconciliationRunRejected",
    "RefillBatchApproved",
    "RefillBatchRejected",
    "RegistrationRefused",
    "RejectionReason",
    "Resident",
    "ResidentDataErased",
    "ResidentEvent",
    "SlotReleased",
    "Submission",
    "SubmissionAccepted",
    "SubmissionRefused",
    "SubmissionReply",
    "TopicSpec",
    "VerificationRejected",
    "dead_letter_topic",
    "parse_event",
    "parse_message",
    "participant_id_for",
    "pseudonym",
    "topic_for",
    "utcnow",
]

AnyEvent = Annotated[
    ParticipantRegistered
    | DeactivationRequested
    | ReconciliationRunPreviewed
    | ReconciliationRunApproved
    | ReconciliationRunRejected
    | ImportApproved
    | ImportRejected
    | RefillBatchApproved
    | RefillBatchRejected
    | ResidentDataErased
    | AccessRequestAnswered
    | CoverageCheckRequested
    | ParticipantVerified
    | VerificationRejected
    | ParticipantWaitlisted
    | SlotReleased
    | QuotaChanged
    | QuotaCutApproved
    | QuotaCutRejected
    | CoverageReported
    | ParticipantActivated
    | RegistrationRefused
    | ParticipantDeactivated
    | PesertaStatusChanged
    | PesertaSyncRequested
    | NotificationSent
    | FeedbackAnswered
    | FeedbackRerouted,
    Field(discriminator="event_type"),
]

EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.__name__: cls
    for cls in (
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
        CoverageCheckRequested,
        ParticipantVerified,
        VerificationRejected,
        ParticipantWaitlisted,
        SlotReleased,
        QuotaChanged,
        QuotaCutApproved,
        QuotaCutRejected,
        CoverageReported,
        ParticipantActivated,
        RegistrationRefused,
        ParticipantDeactivated,
        PesertaStatusChanged,
        PesertaSyncRequested,
        NotificationSent,
        FeedbackAnswered,
        FeedbackRerouted,
    )
}

_ADAPTER: TypeAdapter[AnyEvent] = TypeAdapter(
    AnyEvent, config=ConfigDict(hide_input_in_errors=True)
)


def parse_event(raw: bytes | str) -> AnyEvent | LegacyEvent:
    """Parse a Kafka record value into its event class (a version-1 record of an event
    that now seals personal fields: its ``jkn_contracts.legacy`` class).

    Raises ``pydantic.ValidationError`` (with inputs hidden: payloads carry personal data)
    when the value is not a valid event of a known type and version.
    """
    try:
        return _ADAPTER.validate_json(raw)
    except ValidationError:
        legacy = legacy_v1_type(raw)
        if legacy is None:
            raise
        return legacy.model_validate_json(raw)


# What agencies' systems submit (inbound topics) and what they are answered (reply topics).
SUBMISSION_TYPES: dict[str, type[Submission]] = {
    cls.__name__: cls for cls in (ProposalSubmitted, FindingSubmitted)
}
REPLY_TYPES: dict[str, type[SubmissionReply]] = {
    cls.__name__: cls for cls in (SubmissionAccepted, SubmissionRefused)
}
# every message type with a published schema: facts, submissions, replies
MESSAGE_TYPES: dict[str, type[EventBase] | type[Submission]] = {
    **EVENT_TYPES,
    **SUBMISSION_TYPES,
    **REPLY_TYPES,
}

AnyMessage = Annotated[
    AnyEvent | ProposalSubmitted | FindingSubmitted | SubmissionAccepted | SubmissionRefused,
    Field(discriminator="event_type"),
]

_MESSAGE_ADAPTER: TypeAdapter[AnyMessage] = TypeAdapter(
    AnyMessage, config=ConfigDict(hide_input_in_errors=True)
)


def parse_message(raw: bytes | str) -> AnyMessage:
    """Parse a record value of any topic: a fact, a submission or a reply.

    Consumers use it so that a record of a known type on the wrong topic is recognised as
    such (``EVENT_NOT_OF_TOPIC``) rather than as unreadable. Raises
    ``pydantic.ValidationError`` (inputs hidden) as ``parse_event`` does.
    """
    try:
        return _MESSAGE_ADAPTER.validate_json(raw)
    except ValidationError:
        legacy = legacy_v1_type(raw)
        if legacy is None:
            raise
        # a version-1 record of an event now at version 2: the same event type and
        # envelope (what the consumer's plumbing reads); its handler reads the version
        return cast(AnyMessage, legacy.model_validate_json(raw))
