"""What the feedback channel's routes take as a body, for the OpenAPI document.

The routes read their JSON themselves (``domain.feedback_forms``: every field's problem
in one 422, never the value repeated), so FastAPI cannot describe them; the agencies'
systems and the SMS/WhatsApp providers integrate from ``/openapi.json``, so these models
do (``jkn_bus.request_bodies``). They describe; the readers decide what is valid.
"""

from __future__ import annotations

from typing import Literal

from jkn_bus.request_bodies import json_body
from pydantic import BaseModel, ConfigDict, Field

from notifications.domain.feedback import Agency, Kind, Topic
from notifications.domain.feedback_forms import MAX_MESSAGE

__all__ = ["ANSWER", "FEEDBACK", "INBOUND", "REROUTE"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReplyTo(_Body):
    channel: Literal["sms", "whatsapp", "email"]
    address: str = Field(
        max_length=254, description="A phone number of 8-15 digits (+62...) or an e-mail."
    )


class FeedbackForm(_Body):
    """A question, complaint or suggestion from a resident (the web form / API)."""

    kind: Kind
    topic: Topic = Field(description="Decides the agency that answers.")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    reply_to: ReplyTo | None = Field(None, description="Where the answer goes, if anywhere.")
    participant_id: str | None = Field(None, max_length=25, description="P + 24 hex digits.")


class InboundMessage(BaseModel):
    """A provider's webhook: one SMS or WhatsApp message (signed: see the route)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    message_id: str = Field(min_length=1, max_length=200)
    sender: str = Field(alias="from", max_length=30, description="The sender's phone number.")
    text: str = Field(min_length=1)
    timestamp: int | str | None = Field(None, description="Unix seconds (the signature's).")


class AnswerForm(_Body):
    """The answer of the caller's agency (from the token; the body names none)."""

    answer: str = Field(min_length=1, max_length=MAX_MESSAGE)


class RerouteForm(_Body):
    """The caller's agency hands the item on to another."""

    to_agency: Agency
    reason: str = Field(min_length=1, max_length=500)


FEEDBACK = json_body(FeedbackForm)
INBOUND = json_body(InboundMessage)
ANSWER = json_body(AnswerForm)
REROUTE = json_body(RerouteForm)
