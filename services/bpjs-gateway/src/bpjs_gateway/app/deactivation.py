"""Use case: Dinkes released a slot; file a *kurang* at BPJS and report when coverage ends.

Carried out by the intent worker (``app.worker``) from the intent the handler recorded."""

from __future__ import annotations

import dataclasses
import logging

from jkn_bus import UnitOfWork
from jkn_contracts import ParticipantDeactivated, SlotReleased
from jkn_contracts.events import DeactivatedPayload

from bpjs_gateway.app.common import participant_of, settle
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.filing import Refused, file_once, record_accepted, record_refused
from bpjs_gateway.app.ports import Intent, IntentQueue
from bpjs_gateway.domain.peserta import (
    JENIS_PBI_APBD,
    STATUS_AKTIF,
    Mutation,
    MutationKind,
    MutationResult,
    Peserta,
)

__all__ = ["file_kurang"]

log = logging.getLogger(__name__)

# BPJS's "no end" tglTAT: a card that was not ended by this removal.
_OPEN_ENDED_YEAR = 2099


def _removed(peserta: Peserta | None, no_kartu: str) -> MutationResult | None:
    """What a look-up by NIK shows of a *kurang* BPJS already carried out: our card, PBI
    APBD, no longer active; None otherwise."""
    if (
        peserta is None
        or peserta.no_kartu != no_kartu
        or peserta.jenis_peserta.kode != JENIS_PBI_APBD
        or peserta.is_active
    ):
        return None
    return MutationResult(
        noKartu=peserta.no_kartu,
        tglTAT=peserta.tgl_tat,
        statusPeserta=peserta.status_peserta,
    )


async def file_kurang(intent: Intent, deps: Dependencies, queue: IntentQueue) -> str:
    """Carry out a *kurang* intent and report when coverage ends. When an earlier attempt
    may have reached BPJS, a look-up by NIK comes first: a card BPJS shows inactive is
    recorded as removed and nothing is filed again. Returns the outcome."""
    event: SlotReleased = intent.cause
    pid = intent.participant_id
    record = await participant_of(intent, deps, queue)
    if record is None or record.no_kartu is None or record.status != "active":
        log.info(
            "slot released for a participant without an active card; nothing to remove",
            extra={"participant_id": pid},
        )
        return await settle(queue, intent, "nothing_to_remove")
    reason = event.payload.reason
    effective = intent.tgl_berlaku or deps.rules.deactivation(deps.today())
    mutation = Mutation(
        jenis=MutationKind.KURANG,
        nik=record.nik,
        no_kartu=record.no_kartu,
        tgl_berlaku=effective,
        alasan=reason.value,
        kd_pemda=deps.kd_pemda,
    )
    no_kartu = record.no_kartu
    filed = await file_once(intent, deps, mutation, lambda p: _removed(p, no_kartu))
    if isinstance(filed, Refused):
        # The card stays active at BPJS: keep the status, remember the refusal.
        return await record_refused(
            intent, deps, queue, record,
            mutation="kurang", tgl_berlaku=effective, refusal=filed.refusal,
        )  # fmt: skip
    result, resolved = filed.result, filed.resolved
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

    async def state(uow: UnitOfWork) -> None:
        await uow.emit(
            uow.new_event(
                ParticipantDeactivated,
                participant_id=pid,
                payload=DeactivatedPayload(no_kartu=no_kartu, reason=reason, effective_date=ends),
            )
        )

    outcome = await record_accepted(
        intent, deps, queue, updated,
        mutation="kurang", tgl_berlaku=effective,
        outcome="resolved_by_lookup" if resolved else "deactivated", state=state,
    )  # fmt: skip
    if outcome != "superseded":
        log.info("participant deactivated at BPJS", extra={"participant_id": pid})
    return outcome
