"""The gateway's handler table. Each handler runs inside the consumer's inbox transaction.

The gateway decides nothing of its own: it carries Dinkes's decisions to BPJS and BPJS's
answers back as events, one use case a module: the look-up (``app.lookup``), the
registration, a *tambah* (``app.registration``), the deactivation, a *kurang*
(``app.deactivation``); how their BPJS failures are handled is in ``app.common``.
"""

from __future__ import annotations

import functools
import logging

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import (
    CoverageCheckRequested,
    ParticipantVerified,
    ResidentDataErased,
    SlotReleased,
)

from bpjs_gateway.app.deactivation import on_slot_released
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.lookup import on_coverage_check_requested
from bpjs_gateway.app.registration import KELAS_III, on_participant_verified

__all__ = [
    "KELAS_III",
    "bind_handlers",
    "on_coverage_check_requested",
    "on_participant_verified",
    "on_resident_data_erased",
    "on_slot_released",
]

log = logging.getLogger(__name__)


async def on_resident_data_erased(
    uow: UnitOfWork, event: ResidentDataErased, *, deps: Dependencies
) -> None:
    """Dinas Sosial erased the resident: blank the gateway's clear copy (the NIK, BPJS's
    free-text messages) in this transaction. Idempotent."""
    blanked = await deps.repository(uow).erase(event.participant_id)
    log.info(
        "resident erased",
        extra={"participant_id": event.participant_id, "blanked": blanked},
    )


def bind_handlers(deps: Dependencies) -> HandlerTable:
    """The handlers by event class, bound to ``deps``: exactly the catalogue's
    ``handled_by("bpjs-gateway")``, Dinsos's erasure among them."""
    return {
        CoverageCheckRequested: functools.partial(on_coverage_check_requested, deps=deps),
        ParticipantVerified: functools.partial(on_participant_verified, deps=deps),
        SlotReleased: functools.partial(on_slot_released, deps=deps),
        ResidentDataErased: functools.partial(on_resident_data_erased, deps=deps),
    }
