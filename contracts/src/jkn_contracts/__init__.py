"""Published contracts of jkn-daerah: the event envelope, the events and the topic catalogue.

Other systems integrate only through these. ``parse_event`` turns a Kafka record value
into the right event class; ``EVENT_TYPES`` maps names to classes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter

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
    CoverageCheckRequested,
    CoverageReported,
    DeactivationReason,
    DeactivationRequested,
    FeedbackAnswered,
    FeedbackRerouted,
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
    RegistrationRefused,
    RejectionReason,
    Resident,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.identity import participant_id_for, pseudonym
from jkn_contracts.topics import CATALOGUE, CONSUMERS, TopicSpec, dead_letter_topic, topic_for

__all__ = [
    "ACTOR_ID_PATTERN",
    "CATALOGUE",
    "CONSUMERS",
    "EVENT_TYPES",
    "PARTICIPANT_ID_PATTERN",
    "Actor",
    "Agency",
    "AgencyAct",
    "AnyEvent",
    "CoverageCheckRequested",
    "CoverageReported",
    "DeactivationReason",
    "DeactivationRequested",
    "EventBase",
    "FeedbackAnswered",
    "FeedbackRerouted",
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
    "QuotaChanged",
    "RegistrationRefused",
    "RejectionReason",
    "Resident",
    "ResidentEvent",
    "SlotReleased",
    "TopicSpec",
    "VerificationRejected",
    "dead_letter_topic",
    "parse_event",
    "participant_id_for",
    "pseudonym",
    "topic_for",
    "utcnow",
]

AnyEvent = Annotated[
    ParticipantRegistered
    | DeactivationRequested
    | CoverageCheckRequested
    | ParticipantVerified
    | VerificationRejected
    | ParticipantWaitlisted
    | SlotReleased
    | QuotaChanged
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
        CoverageCheckRequested,
        ParticipantVerified,
        VerificationRejected,
        ParticipantWaitlisted,
        SlotReleased,
        QuotaChanged,
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


def parse_event(raw: bytes | str) -> AnyEvent:
    """Parse a Kafka record value into its event class.

    Raises ``pydantic.ValidationError`` (with inputs hidden: payloads carry personal data)
    when the value is not a valid event of a known type and version.
    """
    return _ADAPTER.validate_json(raw)
