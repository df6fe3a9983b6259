"""What each event states: the decision, its reason codes and the evidence it cites.

One reading of the contracts for everyone who reports on decisions: the audit trail keeps
it per event, and the outbox puts it on the span of each event created, so an operator
sees in a trace which agency decided what and why. Codes only — never personal data (a
NIK, a name, BPJS's free-text message); the evidence reference is a document number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from jkn_contracts.envelope import EventBase
from jkn_contracts.events import (
    AccessRequestAnswered,
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
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
from jkn_contracts.submissions import SubmissionAccepted, SubmissionRefused

__all__ = ["Decision", "decision_of"]


class Decision(NamedTuple):
    decision: str | None
    reasons: tuple[str, ...]
    evidence_ref: str | None


def _membership(m: Membership | None) -> tuple[str, ...]:
    return () if m is None else (f"jenis:{m.jenis_peserta_kode}", f"status:{m.status_kode}")


def _quota(e: QuotaChanged) -> Decision:
    before, after = e.payload.previous_total, e.payload.total
    direction = (
        "QUOTA_SET"
        if before is None
        else "QUOTA_RAISED"
        if after > before
        else "QUOTA_LOWERED"
        if after < before
        else "QUOTA_UNCHANGED"
    )
    admitted = ("ADMITTED_FROM_WAITLIST",) if e.payload.admitted_from_waitlist else ()
    return Decision(
        "quota_changed", (f"budget_year:{e.payload.budget_year}", direction, *admitted), None
    )


# event type -> the decision, reason codes and evidence reference it states
_DECISIONS: dict[type[EventBase], Callable[[Any], Decision]] = {
    ParticipantRegistered: lambda e: Decision("proposed", tuple(e.payload.nik_warnings), None),
    DeactivationRequested: lambda e: Decision(
        "deactivation_requested", (e.payload.reason.value,), e.payload.evidence_ref
    ),
    CoverageCheckRequested: lambda e: Decision("coverage_check_requested", (), None),
    ParticipantVerified: lambda e: Decision(
        "verified",
        ("ADMITTED_FROM_WAITLIST",) if e.payload.admitted_from_waitlist else (),
        None,
    ),
    VerificationRejected: lambda e: Decision(
        "rejected", tuple(r.code for r in e.payload.reasons), None
    ),
    ParticipantWaitlisted: lambda e: Decision("waitlisted", (), None),
    SlotReleased: lambda e: Decision("slot_released", (e.payload.reason.value,), None),
    QuotaChanged: _quota,
    # a quota cut: approved (then applied by a QuotaChanged) or rejected; counts only
    QuotaCutApproved: lambda e: Decision(
        "quota_cut_approved", (f"budget_year:{e.payload.budget_year}",), None
    ),
    QuotaCutRejected: lambda e: Decision(
        "quota_cut_rejected", (f"budget_year:{e.payload.budget_year}",), None
    ),
    # a reconciliation run: previewed (its upload), then approved or rejected; reason codes
    # are its kind and the deactivation reasons it holds, never a resident
    ReconciliationRunPreviewed: lambda e: Decision(
        "reconciliation_previewed",
        (f"kind:{e.payload.kind}", *sorted(r.value for r in e.payload.by_reason)),
        None,
    ),
    ReconciliationRunApproved: lambda e: Decision(
        "reconciliation_approved", (f"kind:{e.payload.kind}",), None
    ),
    ReconciliationRunRejected: lambda e: Decision(
        "reconciliation_rejected", (f"kind:{e.payload.kind}",), None
    ),
    # an import of proposals: approved or rejected (counts only, never a resident)
    ImportApproved: lambda e: Decision("import_approved", (), None),
    ImportRejected: lambda e: Decision("import_rejected", (), None),
    # a refill batch: approved or rejected (counts only, never a resident)
    RefillBatchApproved: lambda e: Decision("refill_approved", (), None),
    RefillBatchRejected: lambda e: Decision("refill_rejected", (), None),
    # an erasure: its ground, never the data erased
    ResidentDataErased: lambda e: Decision("data_erased", (e.payload.ground.value,), None),
    # an access request answered: who asked, never what the answer said
    AccessRequestAnswered: lambda e: Decision(
        "access_answered", (f"requested_by:{e.payload.requested_by.value}",), None
    ),
    CoverageReported: lambda e: Decision(
        "coverage_reported", _membership(e.payload.membership), None
    ),
    ParticipantActivated: lambda e: Decision("activated", (), None),
    RegistrationRefused: lambda e: Decision(
        "refused", (f"{e.payload.mutation}:bpjs_{e.payload.bpjs_code}",), None
    ),
    ParticipantDeactivated: lambda e: Decision("deactivated", (e.payload.reason.value,), None),
    PesertaStatusChanged: lambda e: Decision(
        "bpjs_status_changed", _membership(e.payload.current), None
    ),
    PesertaSyncRequested: lambda e: Decision("peserta_sync_requested", (), None),
    NotificationSent: lambda e: Decision(
        f"notification_{e.payload.status}", (e.payload.template,), None
    ),
    # The item acted on is the evidence: its tracking number (no secret, no personal data).
    FeedbackAnswered: lambda e: Decision(
        "feedback_answered",
        (e.payload.kind, *(("OVERDUE",) if e.payload.overdue else ())),
        e.payload.tracking_number,
    ),
    FeedbackRerouted: lambda e: Decision(
        "feedback_rerouted",
        (e.payload.kind, f"to:{e.payload.to_agency}"),
        e.payload.tracking_number,
    ),
    # answers to an agency system's submission (reply topics): field and rule codes only
    SubmissionAccepted: lambda e: Decision(
        "submission_accepted", (e.payload.submission_type,), None
    ),
    SubmissionRefused: lambda e: Decision(
        "submission_refused",
        (e.payload.submission_type, *(f"{r.field}:{r.rule}" for r in e.payload.reasons)),
        None,
    ),
}


def decision_of(event: EventBase) -> Decision:
    """What ``event`` states; an event type unknown here (a newer contract) states none."""
    stated = _DECISIONS.get(type(event))
    return stated(event) if stated is not None else Decision(None, (), None)
