"""A proposal as the Health Office keeps it, and its statuses.

The proposed resident (personal data) is kept here, in verification's own schema, for as
long as the proposal lives: ``ParticipantVerified`` carries it on to the gateway.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from jkn_contracts import DeactivationReason, RejectionReason, Resident

__all__ = ["OPEN_STATUSES", "SLOT_HOLDING_STATUSES", "Proposal", "Status", "Withdrawal"]


class Status(StrEnum):
    CHECKING_COVERAGE = "checking_coverage"  # local checks passed; BPJS asked
    VERIFIED = "verified"  # valid and funded: holds a quota slot
    WAITLISTED = "waitlisted"  # valid, waiting for a slot
    REJECTED = "rejected"
    ACTIVE = "active"  # BPJS activated it: still holds its slot
    REFUSED = "refused"  # BPJS refused the registration (tambah): slot released
    # Dinsos asked it to leave after ParticipantVerified, before BPJS answered the tambah:
    # the slot stays counted until BPJS answers (docs/domain.md#withdrawal-races)
    WITHDRAWING = "withdrawing"
    DEACTIVATION_REQUESTED = "deactivation_requested"  # Dinsos asked it to leave
    DEACTIVATED = "deactivated"  # BPJS confirmed the end of coverage


# Rule 6 (docs/domain.md#rule-6): a new proposal duplicates one in these statuses.
# A withdrawing proposal is open too: its resident may yet become active at BPJS.
OPEN_STATUSES = frozenset(
    {
        Status.CHECKING_COVERAGE,
        Status.VERIFIED,
        Status.WAITLISTED,
        Status.ACTIVE,
        Status.WITHDRAWING,
    }
)
SLOT_HOLDING_STATUSES = frozenset({Status.VERIFIED, Status.ACTIVE, Status.WITHDRAWING})


@dataclass(frozen=True)
class Withdrawal:
    """The DeactivationRequested a withdrawing proposal waits to carry out: its reason (the
    SlotReleased's) and its event id (the cause of that SlotReleased and of the admissions
    it makes room for, so Dinsos's reconciliation report joins them to its request)."""

    reason: DeactivationReason
    requested_by: uuid.UUID


@dataclass
class Proposal:
    """One ``ParticipantRegistered`` and what the Health Office decided about it."""

    proposal_id: uuid.UUID
    participant_id: str
    correlation_id: uuid.UUID
    resident: Resident | None  # None once the resident is erased (ResidentDataErased)
    registered_at: datetime
    status: Status
    welfare_decile: int | None = None
    reasons: list[RejectionReason] = field(default_factory=list)
    coverage_request_id: uuid.UUID | None = None
    budget_year: int | None = None
    decided_at: datetime | None = None
    updated_at: datetime | None = None
    # W3C trace context of the resident's journey when the proposal arrived (no personal data)
    journey_trace: dict[str, str] = field(default_factory=dict)
    withdrawal: Withdrawal | None = None  # set while WITHDRAWING, kept afterwards
