"""The gateway's handler table. Each handler runs inside the consumer's inbox transaction.

The gateway decides nothing of its own: it carries Dinkes's decisions to BPJS and BPJS's
answers back as events. A handler only records an *intent* (README, Intents) and returns:
the consumer never waits for BPJS. The intent worker (``app.worker``) carries it out, one
use case a module: the look-up (``app.lookup``), the registration, a *tambah*
(``app.registration``), the deactivation, a *kurang* (``app.deactivation``).
"""

from __future__ import annotations

import functools
import logging

from jkn_bus import HandlerTable, UnitOfWork
from jkn_bus.batch import defers_all_writes
from jkn_contracts import (
    CoverageCheckRequested,
    ParticipantVerified,
    ResidentDataErased,
    SlotReleased,
)
from jkn_contracts.legacy import CoverageCheckRequestedV1, ParticipantVerifiedV1

from bpjs_gateway.app.common import open_sealed
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.registration import KELAS_III
from bpjs_gateway.domain.effective_dates import activation_effective_date

__all__ = [
    "KELAS_III",
    "bind_handlers",
    "on_coverage_check_requested",
    "on_participant_verified",
    "on_resident_data_erased",
    "on_slot_released",
]

log = logging.getLogger(__name__)


async def on_coverage_check_requested(
    uow: UnitOfWork,
    event: CoverageCheckRequested | CoverageCheckRequestedV1,
    *,
    deps: Dependencies,
) -> None:
    """Record a look-up of the resident at BPJS (an erased resident's request is skipped:
    ``ERASED``, nothing asked)."""
    if await open_sealed(uow, event, deps) is None:
        return
    await deps.intents(uow).record(cause=event, operation="lookup")


async def on_participant_verified(
    uow: UnitOfWork,
    event: ParticipantVerified | ParticipantVerifiedV1,
    *,
    deps: Dependencies,
) -> None:
    """Record a *tambah* for the verified resident, effective as the city's rule says on
    the day of the decision (same day in a UHC priority city, else the 1st of next month);
    an erased resident: nothing recorded, ``ERASED``."""
    if await open_sealed(uow, event, deps) is None:
        return
    uhc_priority = event.payload.uhc_priority or deps.rules.uhc_prioritas
    effective = activation_effective_date(deps.today(), uhc_prioritas=uhc_priority)
    await deps.intents(uow).record(cause=event, operation="tambah", tgl_berlaku=effective)


async def on_slot_released(uow: UnitOfWork, event: SlotReleased, *, deps: Dependencies) -> None:
    """Record a *kurang*, effective as the cut-off rule says on the day of the decision."""
    effective = deps.rules.deactivation(deps.today())
    await deps.intents(uow).record(cause=event, operation="kurang", tgl_berlaku=effective)


async def on_resident_data_erased(
    uow: UnitOfWork, event: ResidentDataErased, *, deps: Dependencies
) -> None:
    """Dinas Sosial erased the resident: blank the gateway's clear copy (the NIK, BPJS's
    free-text messages) and cancel the calls still owed for them, in this transaction.
    Idempotent."""
    blanked = await deps.repository(uow).erase(event.participant_id)
    cancelled = await deps.intents(uow).cancel_open(event.participant_id)
    log.info(
        "resident erased",
        extra={"participant_id": event.participant_id, "blanked": blanked, "cancelled": cancelled},
    )


def bind_handlers(deps: Dependencies) -> HandlerTable:
    """The handlers by event class, bound to ``deps``: exactly the catalogue's
    ``handled_by("bpjs-gateway")``, Dinsos's erasure among them.

    The three that record an intent run without a savepoint of their own in a consumed
    batch (``jkn_bus.batch.defers_all_writes``: a SAVEPOINT and a RELEASE an event fewer):
    before it they only read (the resident's key), and the intent's INSERT is their one
    write and their last statement, so a failure leaves nothing of theirs to roll back —
    and a failing INSERT aborts the batch, which is then applied one by one. (Sealing the
    cause of a resident without a live key may first create the gateway's own key, once:
    a key the next attempt would create anyway.) The erasure writes several rows: it keeps
    its savepoint."""
    return {
        CoverageCheckRequested: defers_all_writes(
            functools.partial(on_coverage_check_requested, deps=deps)
        ),
        ParticipantVerified: defers_all_writes(
            functools.partial(on_participant_verified, deps=deps)
        ),
        SlotReleased: defers_all_writes(functools.partial(on_slot_released, deps=deps)),
        ResidentDataErased: functools.partial(on_resident_data_erased, deps=deps),
    }
