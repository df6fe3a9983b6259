"""Dinas Kesehatan's facts (verification): the check of a proposal, the quota and its
slots (``jkn_contracts.events``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Agency, AgencyAct, ResidentEvent
from jkn_contracts.events_fields import (
    DeactivationReason,
    Payload,
    SealedCoverageCheck,
    SealedVerification,
    version_2,
)
from jkn_contracts.personal import Protected, needed_fields, personal_field

__all__ = [
    "CoverageCheckRequested",
    "CoverageCheckRequestedPayload",
    "ParticipantVerified",
    "ParticipantWaitlisted",
    "QuotaChanged",
    "QuotaChangedPayload",
    "RejectedPayload",
    "RejectionReason",
    "SlotReleased",
    "SlotReleasedPayload",
    "VerificationRejected",
    "VerifiedPayload",
    "WaitlistedPayload",
]


# --- Dinas Kesehatan (verification) -------------------------------------------------------


class RejectionReason(Payload):
    code: str = Field(pattern=r"^[A-Z_]+$", description="Machine-readable reason code.")
    message: str = Field(description="The reason in Bahasa Indonesia, for the resident.")


class CoverageCheckRequestedPayload(Payload):
    """The NIK, sealed: the gateway needs it for the BPJS look-up."""

    personal: Protected = personal_field(
        needed_fields("CoverageCheckRequested"),
        "The NIK to look up (SealedCoverageCheck), sealed for this event.",
    )
    check_date: date


class CoverageCheckRequested(ResidentEvent):
    """Dinkes asks (through the gateway) whether BPJS already covers this resident."""

    event_type: Literal["CoverageCheckRequested"] = "CoverageCheckRequested"
    schema_version: int = version_2()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: CoverageCheckRequestedPayload

    sealed: ClassVar[type[Payload]] = SealedCoverageCheck


class VerifiedPayload(Payload):
    proposal_id: uuid.UUID
    personal: Protected = personal_field(
        needed_fields("ParticipantVerified"),
        "The resident's personal fields (SealedVerification), sealed for this event.",
    )
    budget_year: int
    admitted_from_waitlist: bool = False
    uhc_priority: bool = Field(
        False, description="The city is a UHC priority city (same-day start)."
    )


class ParticipantVerified(ResidentEvent):
    """Dinkes finds the proposal valid and funds it from the quota."""

    event_type: Literal["ParticipantVerified"] = "ParticipantVerified"
    schema_version: int = version_2()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: VerifiedPayload

    sealed: ClassVar[type[Payload]] = SealedVerification


class RejectedPayload(Payload):
    proposal_id: uuid.UUID
    reasons: list[RejectionReason] = Field(min_length=1)


class VerificationRejected(ResidentEvent):
    """Dinkes rejects the proposal, with reason codes and messages in Bahasa Indonesia."""

    event_type: Literal["VerificationRejected"] = "VerificationRejected"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: RejectedPayload


class WaitlistedPayload(Payload):
    proposal_id: uuid.UUID
    position: int = Field(ge=1, description="Position on the waiting list when it was joined.")
    welfare_decile: int | None = Field(None, ge=1, le=10)


class ParticipantWaitlisted(ResidentEvent):
    """Valid, but the quota is used up: the proposal waits for a free slot."""

    event_type: Literal["ParticipantWaitlisted"] = "ParticipantWaitlisted"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: WaitlistedPayload


class SlotReleasedPayload(Payload):
    reason: DeactivationReason
    quota_used: int = Field(ge=0)
    quota_total: int = Field(ge=0)


class SlotReleased(ResidentEvent):
    """Dinkes releases a participant's quota slot after a deactivation request."""

    event_type: Literal["SlotReleased"] = "SlotReleased"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: SlotReleasedPayload


class QuotaChangedPayload(Payload):
    budget_year: int = Field(ge=2000, le=2100, description="The budget year the quota funds.")
    previous_total: int | None = Field(
        ge=0, description="Slots funded before; null when the year had no quota yet."
    )
    total: int = Field(ge=0, description="Slots funded from now on.")
    used: int = Field(ge=0, description="Slots held by participants when it was set.")
    admitted_from_waitlist: int = Field(
        0, ge=0, description="Waiting proposals funded at once by the new room."
    )


class QuotaChanged(AgencyAct):
    """Dinkes sets a budget year's quota (old and new total): an act, not about a resident.

    Keyed ``quota:<budget_year>``: one year's changes are serialised by its quota row and
    read in order. Residents it admits from the waiting list are ParticipantVerified facts
    whose causation_id is this event."""

    event_type: Literal["QuotaChanged"] = "QuotaChanged"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: QuotaChangedPayload

    key_description: ClassVar[str] = "quota:<budget_year>: one budget year's changes in order."

    def record_key(self) -> str:
        return f"quota:{self.payload.budget_year}"
