"""Use case: look a resident up at BPJS (VClaim) and report the membership found.

Carried out by the intent worker (``app.worker``) from the intent the handler recorded; a
look-up changes nothing at BPJS, so an attempt of unknown outcome is simply asked again."""

from __future__ import annotations

import logging

from jkn_contracts import CoverageCheckRequested, CoverageReported
from jkn_contracts.events import CoverageReportedPayload
from jkn_contracts.legacy import CoverageCheckRequestedV1

from bpjs_gateway.app.common import personal_of, settle
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import Intent, IntentQueue
from bpjs_gateway.domain.membership import membership_of

__all__ = ["look_up"]

log = logging.getLogger(__name__)


async def look_up(intent: Intent, deps: Dependencies, queue: IntentQueue) -> str:
    """Look the NIK up at BPJS (VClaim) and report the membership found, or none (an
    erased resident's request is skipped: ``ERASED``, nothing asked)."""
    event: CoverageCheckRequested | CoverageCheckRequestedV1 = intent.cause
    sealed = await personal_of(intent, deps, queue)
    if sealed is None:
        return await settle(queue, intent, "erased")
    peserta = await deps.bpjs.peserta_by_nik(sealed.nik, event.payload.check_date)
    membership = None if peserta is None else membership_of(peserta)
    async with queue.recording(intent, "reported") as uow:
        if uow is None:
            return "superseded"
        await uow.emit(
            uow.new_event(
                CoverageReported,
                participant_id=event.participant_id,
                payload=CoverageReportedPayload(
                    check_date=event.payload.check_date, membership=membership
                ),
            )
        )
    log.info(
        "coverage reported (found=%s)",
        membership is not None,
        extra={"participant_id": event.participant_id},
    )
    return "reported"
