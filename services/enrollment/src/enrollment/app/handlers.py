"""Following each proposal through Dinas Kesehatan's and BPJS's decisions.

Dinas Sosial decides none of these steps: it records them so that the resident (with the
receipt code) and its officers can see where a proposal stands and why. Two of them are
also the outcome of a reconciliation run's request, and their handler records that too,
here in one place: a ``ParticipantVerified`` admitted from the waiting list (a slot a
request freed) and a ``ParticipantDeactivated`` (what a request asked for) are stored for
the run's report (``stores.outcomes``; the report joins them to the requests by causation,
``app.run_report``). The rest of reconciliation's handlers are in
``app.reconciliation_handlers``.
"""

from __future__ import annotations

from typing import Any

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import (
    CoverageCheckRequested,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantVerified,
    ParticipantWaitlisted,
    RegistrationRefused,
    VerificationRejected,
)

from enrollment.app.ports import StatusChange
from enrollment.app.run_ports import RunStores
from enrollment.domain import ProposalStatus

__all__ = ["status_handlers"]


def _change(event: Any, status: ProposalStatus, **details: Any) -> StatusChange:
    return StatusChange(
        participant_id=event.participant_id,
        proposal_id=getattr(event.payload, "proposal_id", None),
        status=status,
        event_type=event.event_type,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        **details,
    )


def status_handlers(stores: RunStores) -> HandlerTable:
    """The handler table of the decisions followed, each recorded through the proposals'
    store (``adapters.proposals``), a run's outcomes through ``stores.outcomes``, as
    ``bootstrap`` wires them."""
    store = stores.proposals

    async def on_coverage_check_requested(uow: UnitOfWork, event: CoverageCheckRequested) -> None:
        await store.apply_status(uow.conn, _change(event, ProposalStatus.CHECKING))

    async def on_participant_verified(uow: UnitOfWork, event: ParticipantVerified) -> None:
        await store.apply_status(uow.conn, _change(event, ProposalStatus.VERIFIED, reasons=[]))
        if event.payload.admitted_from_waitlist:  # into a slot a run's request may have freed
            await stores.outcomes.record_admission(uow.conn, event)

    async def on_verification_rejected(uow: UnitOfWork, event: VerificationRejected) -> None:
        reasons = [{"code": r.code, "message": r.message} for r in event.payload.reasons]
        await store.apply_status(uow.conn, _change(event, ProposalStatus.REJECTED, reasons=reasons))

    async def on_participant_waitlisted(uow: UnitOfWork, event: ParticipantWaitlisted) -> None:
        # The position travels apart from the sentence too: the residents' page words it in
        # the resident's language (services/residents-web).
        reason = {
            "code": "QUOTA_FULL",
            "message": "Kuota anggaran program sedang penuh; usulan berada di urutan ke-"
            f"{event.payload.position} daftar tunggu.",
            "position": event.payload.position,
        }
        await store.apply_status(
            uow.conn, _change(event, ProposalStatus.WAITLISTED, reasons=[reason])
        )

    async def on_participant_activated(uow: UnitOfWork, event: ParticipantActivated) -> None:
        p = event.payload
        card = (p.no_kartu, p.kd_provider, p.nm_provider, p.effective_date)
        await store.apply_status(
            uow.conn, _change(event, ProposalStatus.ACTIVATED, reasons=[], card=card)
        )

    async def on_registration_refused(uow: UnitOfWork, event: RegistrationRefused) -> None:
        if event.payload.mutation != "tambah":
            return  # a refused change or removal does not undo the registration
        # BPJS's own message is not kept: it may quote personal data.
        reason = {
            "code": "BPJS_REFUSED",
            "message": "Pendaftaran ke BPJS Kesehatan belum berhasil "
            f"(kode {event.payload.bpjs_code}); Dinas Kesehatan akan memeriksa data Anda.",
        }
        await store.apply_status(uow.conn, _change(event, ProposalStatus.REFUSED, reasons=[reason]))

    async def on_participant_deactivated(uow: UnitOfWork, event: ParticipantDeactivated) -> None:
        reason = {
            "code": f"DEACTIVATED_{event.payload.reason.value.upper()}",
            "message": f"Kepesertaan berakhir mulai {event.payload.effective_date.isoformat()}.",
            "effective_date": event.payload.effective_date.isoformat(),
        }
        await store.apply_status(
            uow.conn, _change(event, ProposalStatus.DEACTIVATED, reasons=[reason])
        )
        await stores.outcomes.record_deactivation(uow.conn, event)  # a run's request's outcome

    return {
        CoverageCheckRequested: on_coverage_check_requested,
        ParticipantVerified: on_participant_verified,
        VerificationRejected: on_verification_rejected,
        ParticipantWaitlisted: on_participant_waitlisted,
        ParticipantActivated: on_participant_activated,
        RegistrationRefused: on_registration_refused,
        ParticipantDeactivated: on_participant_deactivated,
    }
