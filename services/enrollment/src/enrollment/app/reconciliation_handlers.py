"""Reconciliation's event handlers: BPJS-side changes, and what became of each request.

- ``PesertaStatusChanged`` (the gateway's peserta sync): a participant who died or moved
  to another segment at BPJS gets a deactivation request, once per evidence.
- ``SlotReleased`` is stored as it arrives, for the run's report. With it, the report
  reads the admissions from the waiting list and the deactivations, which
  ``app.handlers`` stores as it follows the proposals. They come on two topics, in any
  order; the report joins them to the requests by causation: SlotReleased and the
  admissions it made room for are caused by our DeactivationRequested,
  ParticipantDeactivated by the SlotReleased.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import (
    PesertaStatusChanged,
    SlotReleased,
)

from enrollment.app.run_emission import emit_requests
from enrollment.app.run_ports import NewRequest, RunStores
from enrollment.domain.bpjs_changes import BPJS_REPORTER, finding_of_change
from enrollment.domain.status import FINDINGS_STATUSES

__all__ = ["reconciliation_handlers"]

log = logging.getLogger(__name__)


def reconciliation_handlers(stores: RunStores) -> HandlerTable:
    """The handler table of BPJS's changes and the requests' outcomes, written through
    ``stores`` (as ``bootstrap`` wires them)."""

    async def on_peserta_status_changed(uow: UnitOfWork, event: PesertaStatusChanged) -> None:
        finding = finding_of_change(event.payload.current)
        if finding is None:
            return
        pid = event.participant_id
        current = await stores.requests.current_proposals(uow.conn, [pid], FINDINGS_STATUSES)
        if pid not in current:
            log.info(
                "BPJS change of a resident who is not a current participant here; ignored",
                extra={"participant_id": pid},
            )
            return
        request = NewRequest(
            participant_id=pid,
            proposal_id=current[pid]["proposal_id"],
            reason=finding.reason.value,
            evidence_ref=finding.evidence_ref,
            reported_by=BPJS_REPORTER,
            kelurahan=current[pid]["kelurahan"],
        )
        if await stores.requests.add_requests(uow.conn, [request]):
            await emit_requests(
                uow,
                [asdict(request)],
                correlation_id=uow.correlation_id,
                causation_id=uow.causation_id,
                batch=False,
                stores=stores,
            )
            log.info(
                "deactivation requested after a BPJS change (%s)",
                finding.reason.value,
                extra={"participant_id": pid},
            )

    async def on_slot_released(uow: UnitOfWork, event: SlotReleased) -> None:
        await stores.outcomes.record_slot_release(uow.conn, event)

    return {
        PesertaStatusChanged: on_peserta_status_changed,
        SlotReleased: on_slot_released,
    }
