"""Notifications' facts: a notice sent, and the feedback channel's acts
(``jkn_contracts.events``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Agency, AgencyAct, ResidentEvent
from jkn_contracts.events_fields import (
    Payload,
)

__all__ = [
    "TRACKING_NUMBER_PATTERN",
    "FeedbackAgency",
    "FeedbackAnswered",
    "FeedbackAnsweredPayload",
    "FeedbackKind",
    "FeedbackRerouted",
    "FeedbackReroutedPayload",
    "NotificationSent",
    "NotificationSentPayload",
    "TrackingNumber",
]


# --- Notifications -----------------------------------------------------------------------------


class NotificationSentPayload(Payload):
    message_id: uuid.UUID
    channel: Literal["sms", "whatsapp", "email", "dev_sink"]
    template: str
    about_event_type: str
    status: Literal["sent", "failed"]


class NotificationSent(ResidentEvent):
    """A resident or agency was told something (the text itself stays in notifications)."""

    event_type: Literal["NotificationSent"] = "NotificationSent"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: NotificationSentPayload


# The feedback channel. Its texts (the sender's message, the answer, a reroute's reason)
# and the sender's contact details never leave notifications: these facts say who acted on
# which item, and when.

TRACKING_NUMBER_PATTERN = r"^(ADU|TNY|MSK)-[0-9]{4}-[0-9]{6,}$"
TrackingNumber = Annotated[
    str,
    Field(
        pattern=TRACKING_NUMBER_PATTERN,
        description="A feedback item's tracking number (no secret: agencies' queues list it).",
        examples=["ADU-2026-000042"],
    ),
]
FeedbackKind = Literal["pertanyaan", "pengaduan", "masukan"]
FeedbackAgency = Literal["dinsos", "dinkes", "bpjs-gateway"]


class FeedbackAnsweredPayload(Payload):
    tracking_number: TrackingNumber
    kind: FeedbackKind
    agency: FeedbackAgency = Field(description="The agency in charge, which answered.")
    due_date: date = Field(description="The answer's deadline (WIB calendar day).")
    overdue: bool = Field(description="Answered after the due date.")


class FeedbackAnswered(AgencyAct):
    """The agency in charge answered a feedback item (never the text: it stays with the
    item). Keyed by the tracking number: one item's acts in order."""

    event_type: Literal["FeedbackAnswered"] = "FeedbackAnswered"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: FeedbackAnsweredPayload

    key_description: ClassVar[str] = "the tracking number: one feedback item's acts in order."

    def record_key(self) -> str:
        return self.payload.tracking_number


class FeedbackReroutedPayload(Payload):
    tracking_number: TrackingNumber
    kind: FeedbackKind
    agency: FeedbackAgency = Field(description="The agency that held the item and handed it on.")
    to_agency: FeedbackAgency = Field(description="The agency in charge from now on.")
    due_date: date = Field(description="The deadline, kept across the reroute.")


class FeedbackRerouted(AgencyAct):
    """The agency holding a misrouted feedback item handed it to the one in charge (the
    reason given stays with the item). Keyed by the tracking number."""

    event_type: Literal["FeedbackRerouted"] = "FeedbackRerouted"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: FeedbackReroutedPayload

    key_description: ClassVar[str] = "the tracking number: one feedback item's acts in order."

    def record_key(self) -> str:
        return self.payload.tracking_number
