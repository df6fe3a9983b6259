"""Use case: Dinkes released a slot; file a *kurang* at BPJS and report when coverage ends."""

from __future__ import annotations

import dataclasses
import logging

from jkn_bus import UnitOfWork
from jkn_contracts import ParticipantDeactivated, SlotReleased
from jkn_contracts.events import DeactivatedPayload

from bpjs_gateway.app.common import TRANSIENT, record_refusal, transient
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import BpjsBusinessError
from bpjs_gateway.domain.peserta import STATUS_AKTIF, Mutation, MutationKind

__all__ = ["on_slot_released"]

log = logging.getLogger(__name__)

# BPJS's "no end" tglTAT: a card that was not ended by this removal.
_OPEN_ENDED_YEAR = 2099


async def on_slot_released(uow: UnitOfWork, event: SlotReleased, *, deps: Dependencies) -> None:
    """Dinkes released the slot: file a *kurang* and report when coverage ends."""
    repo = deps.repository(uow)
    pid = event.participant_id
    record = await repo.get_for_update(pid)
    if record is None or record.no_kartu is None or record.status == "refused":
        log.info(
            "slot released for a participant without a card; nothing to remove",
            extra={"participant_id": pid},
        )
        return
    if record.status == "deactivated":
        log.info("participant already deactivated; nothing to do", extra={"participant_id": pid})
        return
    reason = event.payload.reason
    effective = deps.rules.deactivation(deps.today())
    mutation = Mutation(
        jenis=MutationKind.KURANG,
        nik=record.nik,
        no_kartu=record.no_kartu,
        tgl_berlaku=effective,
        alasan=reason.value,
        kd_pemda=deps.kd_pemda,
    )
    try:
        result = await deps.bpjs.mutate(mutation)
    except BpjsBusinessError as exc:
        # The card stays active at BPJS: keep the status, remember the refusal.
        await record_refusal(
            uow,
            repo,
            record,
            mutation="kurang",
            cause_event_id=event.event_id,
            tgl_berlaku=effective,
            refusal=exc,
        )
        return
    except TRANSIENT as exc:
        raise transient("kurang", exc, pid) from exc

    ends = effective
    if result.tgl_tat is not None and result.tgl_tat.year < _OPEN_ENDED_YEAR:
        ends = result.tgl_tat  # BPJS's answer wins (same as filed unless redelivered later)
    if ends != effective or (result.status_peserta and result.status_peserta.kode == STATUS_AKTIF):
        log.warning(
            "kurang accepted but BPJS's answer differs from the request",
            extra={"participant_id": pid},
        )
    updated = dataclasses.replace(
        record,
        status="deactivated",
        tgl_tat=ends,
        deactivation_reason=reason.value,
        bpjs_code=None,
        bpjs_message=None,
    )
    await repo.save(updated)
    await repo.log_mutation(
        participant_id=pid,
        mutation="kurang",
        cause_event_id=event.event_id,
        outcome="accepted",
        tgl_berlaku=effective,
        no_kartu=record.no_kartu,
    )
    await uow.emit(
        uow.new_event(
            ParticipantDeactivated,
            participant_id=pid,
            payload=DeactivatedPayload(
                no_kartu=record.no_kartu, reason=reason, effective_date=ends
            ),
        )
    )
    log.info("participant deactivated at BPJS", extra={"participant_id": pid})
