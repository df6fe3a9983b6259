"""Use case: look a resident up at BPJS (VClaim) and report the membership found."""

from __future__ import annotations

import logging

from jkn_bus import UnitOfWork
from jkn_contracts import CoverageCheckRequested, CoverageReported
from jkn_contracts.events import CoverageReportedPayload
from jkn_contracts.legacy import CoverageCheckRequestedV1

from bpjs_gateway.app.common import TRANSIENT, open_sealed, transient
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.domain.membership import membership_of

__all__ = ["on_coverage_check_requested"]

log = logging.getLogger(__name__)


async def on_coverage_check_requested(
    uow: UnitOfWork,
    event: CoverageCheckRequested | CoverageCheckRequestedV1,
    *,
    deps: Dependencies,
) -> None:
    """Look the NIK up at BPJS (VClaim) and report the membership found, or none (an
    erased resident's request is skipped: ``ERASED``, nothing asked)."""
    payload = event.payload
    sealed = await open_sealed(uow, event, deps)
    if sealed is None:
        return
    try:
        peserta = await deps.bpjs.peserta_by_nik(sealed.nik, payload.check_date)
    except TRANSIENT as exc:
        raise transient("peserta look-up", exc, event.participant_id) from exc
    membership = None if peserta is None else membership_of(peserta)
    await uow.emit(
        uow.new_event(
            CoverageReported,
            participant_id=event.participant_id,
            payload=CoverageReportedPayload(check_date=payload.check_date, membership=membership),
        )
    )
    log.info(
        "coverage reported (found=%s)",
        membership is not None,
        extra={"participant_id": event.participant_id},
    )
