"""Event handlers of the gateway. Each runs inside the consumer's inbox transaction.

The gateway decides nothing of its own: it carries Dinkes's decisions to BPJS (look-up,
*tambah*, *kurang*) and BPJS's answers back as events. Failures:

- BPJS unreachable, answering garbage (5xx, HTML, truncated or undecryptable body) or
  rejecting our credentials: ``TransientError``, the consumer retries with backoff and
  never dead-letters (the partition waits for BPJS, order matters).
- BPJS refuses a mutation (metaData code 201): a fact, stated as ``RegistrationRefused``.
- Anything else (a response of the wrong shape): a defect, dead-lettered after retries.

A mutation may have been accepted by BPJS while our transaction did not commit: on
redelivery the handler files it again, and BPJS answers with the same card (a *tambah*
of an existing PBI APBD participant, a *kurang* of a removed one change nothing).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Any

from bpjs_bridging import BridgingDecryptError
from jkn_bus import HandlerTable, TransientError, UnitOfWork
from jkn_bus.metrics import STAGE_SECONDS
from jkn_bus.personal_data import ERASED, ERASED_SKIPPED, PersonalDataErased
from jkn_contracts import (
    CoverageCheckRequested,
    CoverageReported,
    Membership,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantVerified,
    RegistrationRefused,
    ResidentDataErased,
    SlotReleased,
)
from jkn_contracts.events import (
    ActivatedPayload,
    CoverageReportedPayload,
    DeactivatedPayload,
    RefusedPayload,
)
from jkn_contracts.legacy import CoverageCheckRequestedV1, ParticipantVerifiedV1

from bpjs_gateway.adapters.bpjs_client import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsProtocolError,
    BpjsUnavailable,
)
from bpjs_gateway.adapters.erasure import erase_participant
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import ParticipantRecord
from bpjs_gateway.domain.effective_dates import activation_effective_date
from bpjs_gateway.domain.peserta import (
    JENIS_PBI_APBD,
    STATUS_AKTIF,
    Mutation,
    MutationKind,
    MutationResult,
    Peserta,
)
from bpjs_gateway.domain.redaction import redact_niks

__all__ = [
    "KELAS_III",
    "bind_handlers",
    "on_coverage_check_requested",
    "on_participant_verified",
    "on_resident_data_erased",
    "on_slot_released",
]

log = logging.getLogger(__name__)

KELAS_III = "3"
# BPJS's "no end" tglTAT: a card that was not ended by this removal.
_OPEN_ENDED_YEAR = 2099
_TRANSIENT = (BpjsUnavailable, BpjsAuthError, BridgingDecryptError)


def _transient(operation: str, exc: Exception, participant_id: str) -> TransientError:
    # The class only: exception texts are BPJS's and might quote personal data.
    log.warning(
        "BPJS %s failed (%s); the event will be retried",
        operation,
        type(exc).__name__,
        extra={"participant_id": participant_id},
    )
    return TransientError(f"BPJS {operation}: {type(exc).__name__}")


async def on_coverage_check_requested(
    uow: UnitOfWork,
    event: CoverageCheckRequested | CoverageCheckRequestedV1,
    *,
    deps: Dependencies,
) -> None:
    """Look the NIK up at BPJS (VClaim) and report the membership found, or none (an
    erased resident's request is skipped: ``ERASED``, nothing asked)."""
    payload = event.payload
    sealed = await _open(uow, event, deps)
    if sealed is None:
        return
    try:
        peserta = await deps.bpjs.peserta_by_nik(sealed.nik, payload.check_date)
    except _TRANSIENT as exc:
        raise _transient("peserta look-up", exc, event.participant_id) from exc
    membership = (
        None
        if peserta is None
        else Membership(
            no_kartu=peserta.no_kartu,
            jenis_peserta_kode=peserta.jenis_peserta.kode,
            jenis_peserta=peserta.jenis_peserta.keterangan,
            status_kode=peserta.status_peserta.kode,
            status=peserta.status_peserta.keterangan,
        )
    )
    await uow.emit(
        CoverageReported(
            participant_id=event.participant_id,
            correlation_id=uow.correlation_id,
            causation_id=uow.causation_id,
            payload=CoverageReportedPayload(check_date=payload.check_date, membership=membership),
        )
    )
    log.info(
        "coverage reported (found=%s)",
        membership is not None,
        extra={"participant_id": event.participant_id},
    )


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


async def _open(
    uow: UnitOfWork,
    event: CoverageCheckRequested
    | CoverageCheckRequestedV1
    | ParticipantVerified
    | ParticipantVerifiedV1,
    deps: Dependencies,
) -> Any:
    """The personal fields the event seals; None when the resident was erased (their key
    destroyed): a domain outcome, counted, never a retry or a dead letter."""
    try:
        return await deps.sealer.open(uow.conn, event)
    except PersonalDataErased:
        ERASED_SKIPPED.labels("bpjs-gateway", event.event_type).inc()
        log.info(
            "resident erased; %s skipped (%s)",
            event.event_type,
            ERASED,
            extra={"participant_id": event.participant_id},
        )
        return None


async def on_participant_verified(
    uow: UnitOfWork,
    event: ParticipantVerified | ParticipantVerifiedV1,
    *,
    deps: Dependencies,
) -> None:
    """File a *tambah* for the verified resident; report the card, or BPJS's refusal (an
    erased resident: nothing filed, ``ERASED``)."""
    repo = deps.repository(uow)
    payload = event.payload
    pid = event.participant_id
    existing = await repo.get_for_update(pid)
    if existing is not None and existing.status == "active":
        if existing.proposal_id == payload.proposal_id:
            log.info(
                "participant already active at BPJS; nothing to do", extra={"participant_id": pid}
            )
            return
        # Another proposal for a resident we already registered: BPJS would hand back the
        # same card; state it for this proposal without filing again.
        record = dataclasses.replace(existing, proposal_id=payload.proposal_id)
        await repo.save(record)
        await _emit_activated(uow, event, record, deps)
        return

    resident = await _open(uow, event, deps)
    if resident is None:
        return
    uhc_priority = payload.uhc_priority or deps.rules.uhc_prioritas
    effective = activation_effective_date(deps.today(), uhc_prioritas=uhc_priority)
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
    try:
        result = await deps.bpjs.mutate(mutation)
    except BpjsBusinessError as exc:
        message = redact_niks(exc.message)
        await repo.save(
            ParticipantRecord(
                participant_id=pid,
                proposal_id=payload.proposal_id,
                nik=resident.nik,
                status="refused",
                bpjs_code=exc.code,
                bpjs_message=message,
            )
        )
        await repo.log_mutation(
            participant_id=pid,
            mutation="tambah",
            cause_event_id=event.event_id,
            outcome="refused",
            tgl_berlaku=effective,
            bpjs_code=exc.code,
            bpjs_message=message,
        )
        await _emit_refused(uow, pid, payload.proposal_id, "tambah", exc)
        return
    except _TRANSIENT as exc:
        raise _transient("tambah", exc, pid) from exc

    confirmed = await _confirm_tambah(deps, pid, result)
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
        proposal_id=payload.proposal_id,
        nik=resident.nik,
        status="active",
        no_kartu=result.no_kartu,
        kd_provider=kd_provider,
        nm_provider=nm_provider,
        kelas=KELAS_III,
        tgl_tmt=result.tgl_tmt or effective,
    )
    await repo.save(record)
    await repo.log_mutation(
        participant_id=pid,
        mutation="tambah",
        cause_event_id=event.event_id,
        outcome="accepted",
        tgl_berlaku=effective,
        no_kartu=result.no_kartu,
    )
    await _emit_activated(uow, event, record, deps)


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
        ParticipantActivated(
            participant_id=event.participant_id,
            correlation_id=uow.correlation_id,
            causation_id=uow.causation_id,
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


async def _emit_refused(
    uow: UnitOfWork,
    participant_id: str,
    proposal_id: object,
    mutation: str,
    refusal: BpjsBusinessError,
) -> None:
    code, message = refusal.code, redact_niks(refusal.message)
    await uow.emit(
        RegistrationRefused(
            participant_id=participant_id,
            correlation_id=uow.correlation_id,
            causation_id=uow.causation_id,
            payload=RefusedPayload.model_validate(
                {
                    "proposal_id": proposal_id,
                    "mutation": mutation,
                    "bpjs_code": code,
                    "bpjs_message": message,
                }
            ),
        )
    )
    log.info(
        "BPJS refused the %s (code %s)", mutation, code, extra={"participant_id": participant_id}
    )


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
        message = redact_niks(exc.message)
        # The card stays active at BPJS: keep the status, remember the refusal.
        await repo.save(dataclasses.replace(record, bpjs_code=exc.code, bpjs_message=message))
        await repo.log_mutation(
            participant_id=pid,
            mutation="kurang",
            cause_event_id=event.event_id,
            outcome="refused",
            tgl_berlaku=effective,
            no_kartu=record.no_kartu,
            bpjs_code=exc.code,
            bpjs_message=message,
        )
        await _emit_refused(uow, pid, record.proposal_id, "kurang", exc)
        return
    except _TRANSIENT as exc:
        raise _transient("kurang", exc, pid) from exc

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
        ParticipantDeactivated(
            participant_id=pid,
            correlation_id=uow.correlation_id,
            causation_id=uow.causation_id,
            payload=DeactivatedPayload(
                no_kartu=record.no_kartu, reason=reason, effective_date=ends
            ),
        )
    )
    log.info("participant deactivated at BPJS", extra={"participant_id": pid})


async def on_resident_data_erased(
    uow: UnitOfWork, event: ResidentDataErased, *, deps: Dependencies
) -> None:
    """Dinas Sosial erased the resident: blank the gateway's clear copy (the NIK, BPJS's
    free-text messages) in this transaction. Idempotent."""
    blanked = await erase_participant(uow.conn, event.participant_id)
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
