"""Reconciliation's event handlers: BPJS-side changes, and what became of each request.

- ``PesertaStatusChanged`` (the gateway's peserta sync): a participant who died or moved
  to another segment at BPJS gets a deactivation request, once per evidence.
- ``SlotReleased``, ``ParticipantDeactivated`` and ``ParticipantVerified`` (admitted from
  the waiting list) are stored as they arrive. They come on two topics, in any order;
  the report joins them to the requests by causation: SlotReleased and the admissions
  it made room for are caused by our DeactivationRequested, ParticipantDeactivated by
  the SlotReleased.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import (
    ParticipantDeactivated,
    ParticipantVerified,
    PesertaStatusChanged,
    SlotReleased,
)

from enrollment.adapters import reconciliation as store
from enrollment.adapters import run_outcomes, run_requests
from enrollment.app.reconciliation import emit_requests
from enrollment.domain.bpjs_changes import BPJS_REPORTER, finding_of_change

__all__ = ["RECONCILIATION_HANDLERS"]

log = logging.getLogger(__name__)


async def on_peserta_status_changed(uow: UnitOfWork, event: PesertaStatusChanged) -> None:
    finding = finding_of_change(event.payload.current)
    if finding is None:
        return
    pid = event.participant_id
    current = await run_requests.current_proposals(uow.conn, [pid], store.FINDINGS_STATUSES)
    if pid not in current:
        log.info(
            "BPJS change of a resident who is not a current participant here; ignored",
            extra={"participant_id": pid},
        )
        return
    request = run_requests.NewRequest(
        participant_id=pid,
        proposal_id=current[pid]["proposal_id"],
        reason=finding.reason.value,
        evidence_ref=finding.evidence_ref,
        reported_by=BPJS_REPORTER,
        kelurahan=current[pid]["kelurahan"],
    )
    if await run_requests.add_requests(uow.conn, [request]):
        await emit_requests(
            uow,
            [asdict(request)],
            correlation_id=uow.correlation_id,
            causation_id=uow.causation_id,
            batch=False,
        )
        log.info(
            "deactivation requested after a BPJS change (%s)",
            finding.reason.value,
            extra={"participant_id": pid},
        )


async def on_slot_released(uow: UnitOfWork, event: SlotReleased) -> None:
    await run_outcomes.record_slot_release(uow.conn, event)


async def on_participant_deactivated(uow: UnitOfWork, event: ParticipantDeactivated) -> None:
    await run_outcomes.record_deactivation(uow.conn, event)


async def on_participant_verified(uow: UnitOfWork, event: ParticipantVerified) -> None:
    if event.payload.admitted_from_waitlist:
        await run_outcomes.record_admission(uow.conn, event)


RECONCILIATION_HANDLERS: HandlerTable = {
    PesertaStatusChanged: on_peserta_status_changed,
    SlotReleased: on_slot_released,
    ParticipantDeactivated: on_participant_deactivated,
    ParticipantVerified: on_participant_verified,
}
