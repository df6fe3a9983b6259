"""Use case: Dinkes verified a resident; file a *tambah* at BPJS and report the card (or
BPJS's refusal). The new card is looked up to confirm it (docs/domain.md#confirm-by-lookup).

Carried out by the intent worker (``app.worker``) from the intent the handler recorded."""

from __future__ import annotations

import dataclasses
import logging

from jkn_bus import UnitOfWork
from jkn_bus.metrics import STAGE_SECONDS
from jkn_contracts import ParticipantActivated, ParticipantVerified
from jkn_contracts.events import ActivatedPayload
from jkn_contracts.legacy import ParticipantVerifiedV1

from bpjs_gateway.app.common import participant_of, personal_of, settle
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.filing import Refused, file_once, record_accepted, record_refused
from bpjs_gateway.app.ports import (
    BpjsProtocolError,
    Intent,
    IntentQueue,
    ParticipantRecord,
)
from bpjs_gateway.domain.peserta import (
    JENIS_PBI_APBD,
    STATUS_AKTIF,
    Mutation,
    MutationKind,
    MutationResult,
    Peserta,
)

__all__ = ["KELAS_III", "file_tambah"]

log = logging.getLogger(__name__)

KELAS_III = "3"


def _disagreements(peserta: Peserta | None, result: MutationResult) -> list[str]:
    """What a confirmation look-up shows that a fresh PBI APBD registration should not."""
    if peserta is None:
        return ["card not found"]
    checks = (
        (
            f"jenisPeserta {peserta.jenis_peserta.kode}",
            peserta.jenis_peserta.kode != JENIS_PBI_APBD,
        ),
        (
            f"statusPeserta {peserta.status_peserta.kode}",
            peserta.status_peserta.kode != STATUS_AKTIF,
        ),
        ("tglTMT", result.tgl_tmt is not None and peserta.tgl_tmt != result.tgl_tmt),
    )
    return [what for what, differs in checks if differs]


async def _confirm_tambah(
    deps: Dependencies, participant_id: str, result: MutationResult
) -> Peserta | None:
    """Look the new card up (docs/domain.md#confirm-by-lookup); log a disagreement, never block."""
    on = result.tgl_tmt or deps.today()
    try:
        peserta = await deps.bpjs.peserta_by_card(result.no_kartu, on)
    except Exception as exc:  # a confirmation must not block the activation
        log.warning(
            "tambah accepted but its confirmation look-up failed (%s)",
            type(exc).__name__,
            extra={"participant_id": participant_id},
        )
        return None
    disagreements = _disagreements(peserta, result)
    if disagreements:
        log.warning(
            "tambah accepted but the confirmation look-up disagrees: %s",
            ", ".join(disagreements),
            extra={"participant_id": participant_id},
        )
    return peserta


def _registered(peserta: Peserta | None) -> MutationResult | None:
    """What a look-up by NIK shows of a *tambah* BPJS already carried out: the resident an
    active PBI APBD participant (docs/domain.md#confirm-by-lookup); None otherwise."""
    if peserta is None or peserta.jenis_peserta.kode != JENIS_PBI_APBD or not peserta.is_active:
        return None
    clinic = peserta.prov_umum
    return MutationResult(
        noKartu=peserta.no_kartu,
        kdProvider=clinic.kd_provider if clinic else None,
        nmProvider=clinic.nm_provider if clinic else None,
        tglTMT=peserta.tgl_tmt,
        jenisPeserta=peserta.jenis_peserta,
        statusPeserta=peserta.status_peserta,
    )


async def file_tambah(intent: Intent, deps: Dependencies, queue: IntentQueue) -> str:
    """Carry out a *tambah* intent: file it for the verified resident and report the card,
    or BPJS's refusal (an erased resident: nothing filed, ``ERASED``). No transaction is
    open during the calls. When an earlier attempt may have reached BPJS, a look-up by NIK
    comes first: a resident BPJS shows as an active PBI APBD participant is recorded from
    it and nothing is filed again. Returns the outcome."""
    event: ParticipantVerified | ParticipantVerifiedV1 = intent.cause
    pid = intent.participant_id
    existing = await participant_of(intent, deps, queue)
    active = existing is not None and existing.status == "active"
    resident = None if active else await personal_of(intent, deps, queue)
    if existing is not None and active:
        return await _already_active(intent, existing, deps, queue)
    if resident is None:
        return await settle(queue, intent, "erased")

    effective = intent.tgl_berlaku or deps.today()
    mutation = Mutation(
        jenis=MutationKind.TAMBAH,
        nik=resident.nik,
        tgl_berlaku=effective,
        nama=resident.name,
        sex=resident.sex,
        tgl_lahir=resident.birth_date,
        no_kk=resident.kk,
        kd_pemda=deps.kd_pemda,
    )
    filed = await file_once(intent, deps, mutation, _registered)
    if isinstance(filed, Refused):
        refused = ParticipantRecord(
            participant_id=pid,
            proposal_id=event.payload.proposal_id,
            nik=resident.nik,
            status="refused",
        )
        return await record_refused(
            intent, deps, queue, refused,
            mutation="tambah", tgl_berlaku=effective, refusal=filed.refusal,
        )  # fmt: skip
    result, resolved = filed.result, filed.resolved
    confirmed = None if resolved else await _confirm_tambah(deps, pid, result)
    provider = confirmed.prov_umum if confirmed is not None else None
    kd_provider = result.kd_provider or (provider.kd_provider if provider else None)
    nm_provider = result.nm_provider or (provider.nm_provider if provider else None)
    if not kd_provider or not nm_provider:
        raise BpjsProtocolError("BPJS accepted the tambah without a primary clinic (provUmum)")
    if result.tgl_tmt is not None and result.tgl_tmt != effective:
        # An earlier tambah of ours (a redelivery) or BPJS's own date: BPJS's answer wins.
        log.info("BPJS's tglTMT differs from the date filed", extra={"participant_id": pid})
    record = ParticipantRecord(
        participant_id=pid,
        proposal_id=event.payload.proposal_id,
        nik=resident.nik,
        status="active",
        no_kartu=result.no_kartu,
        kd_provider=kd_provider,
        nm_provider=nm_provider,
        kelas=KELAS_III,
        tgl_tmt=result.tgl_tmt or effective,
    )

    async def state(uow: UnitOfWork) -> None:
        await _emit_activated(uow, event, record, deps)

    return await record_accepted(
        intent, deps, queue, record,
        mutation="tambah", tgl_berlaku=effective,
        outcome="resolved_by_lookup" if resolved else "activated", state=state,
    )  # fmt: skip


async def _already_active(
    intent: Intent, existing: ParticipantRecord, deps: Dependencies, queue: IntentQueue
) -> str:
    event: ParticipantVerified | ParticipantVerifiedV1 = intent.cause
    if existing.proposal_id == event.payload.proposal_id:
        log.info(
            "participant already active at BPJS", extra={"participant_id": intent.participant_id}
        )
        return await settle(queue, intent, "already_active")
    # Another proposal for a resident we already registered: BPJS would hand back the same
    # card; state it for this proposal without filing again.
    record = dataclasses.replace(existing, proposal_id=event.payload.proposal_id)

    async def write(uow: UnitOfWork) -> None:
        await deps.repository(uow).save(record)
        await _emit_activated(uow, event, record, deps)

    return await settle(queue, intent, "activated", write)


async def _emit_activated(
    uow: UnitOfWork,
    event: ParticipantVerified | ParticipantVerifiedV1,
    record: ParticipantRecord,
    deps: Dependencies,
) -> None:
    assert record.no_kartu is not None
    assert record.kd_provider is not None
    assert record.nm_provider is not None
    assert record.tgl_tmt is not None
    await uow.emit(
        uow.new_event(
            ParticipantActivated,
            participant_id=event.participant_id,
            payload=ActivatedPayload(
                proposal_id=event.payload.proposal_id,
                no_kartu=record.no_kartu,
                kd_provider=record.kd_provider,
                nm_provider=record.nm_provider,
                kelas=record.kelas or KELAS_III,
                effective_date=record.tgl_tmt,
            ),
        )
    )
    elapsed = (deps.now() - event.occurred_at).total_seconds()
    STAGE_SECONDS.labels("verified_to_activated").observe(max(elapsed, 0.0))
    log.info("participant activated at BPJS", extra={"participant_id": event.participant_id})
