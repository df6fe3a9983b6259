"""BPJS call metrics and the participant view served over HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsUnavailable
from bpjs_gateway.adapters.metered import MeteredBpjs
from bpjs_gateway.app.ports import ParticipantRecord
from bpjs_gateway.domain.peserta import Mutation
from bpjs_gateway.domain.redaction import redact_niks
from bpjs_gateway.entrypoints.http import participant_view
from bpjs_gateway.metrics import BPJS_CALL_SECONDS, BPJS_CALLS
from unit.gateway_app.fakes import FakeBpjs

NIK = "1571015705800003"


def calls(operation: str, outcome: str) -> float:
    return BPJS_CALLS.labels(operation, outcome)._value.get()


def timed(operation: str) -> float:
    samples = BPJS_CALL_SECONDS.collect()[0].samples
    return next(
        (
            s.value
            for s in samples
            if s.name == "jkn_bpjs_call_seconds_count" and s.labels["operation"] == operation
        ),
        0.0,
    )


async def test_every_bpjs_call_is_counted_by_operation_and_outcome_and_timed() -> None:
    fake = FakeBpjs()
    fake.seed(NIK, "21")
    bpjs = MeteredBpjs(fake)
    before = (
        calls("peserta_by_nik", "ok"),
        calls("peserta_by_nik", "not_found"),
        calls("peserta_by_nik", "unavailable"),
    )
    timed_before = timed("peserta_by_nik")

    assert await bpjs.peserta_by_nik(NIK, date(2025, 1, 1)) is not None
    assert await bpjs.peserta_by_nik("1571021203910002", date(2025, 1, 1)) is None
    fake.fail_next.append(BpjsUnavailable("HTTP 500"))
    with pytest.raises(BpjsUnavailable):
        await bpjs.peserta_by_nik(NIK, date(2025, 1, 1))

    after = (
        calls("peserta_by_nik", "ok"),
        calls("peserta_by_nik", "not_found"),
        calls("peserta_by_nik", "unavailable"),
    )
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (1, 1, 1)
    assert timed("peserta_by_nik") - timed_before == 3


async def test_a_refused_mutation_is_counted_as_refused_under_its_kind() -> None:
    fake = FakeBpjs()
    fake.fail_next.append(BpjsBusinessError("201", "Data tidak lengkap"))
    before = calls("mutasi_tambah", "refused")
    with pytest.raises(BpjsBusinessError):
        await MeteredBpjs(fake).mutate(
            Mutation(jenis="tambah", nik=NIK, tglBerlaku=date(2025, 1, 1))
        )
    assert calls("mutasi_tambah", "refused") == before + 1


def test_the_participant_view_has_exactly_the_keys_the_demo_reads_and_no_nik() -> None:
    record = ParticipantRecord(
        participant_id="P3f9a0c1d2e4b5a6978877665",
        proposal_id=None,
        nik=NIK,
        status="active",
        no_kartu="0002157100001",
        kd_provider="15710101",
        nm_provider="PUSKESMAS PUTRI AYU",
        kelas="3",
        tgl_tmt=date(2025, 4, 1),
    )
    view = participant_view(record)
    assert set(view) == {
        "participant_id",
        "status",
        "no_kartu",
        "kd_provider",
        "nm_provider",
        "effective_date",
        "bpjs_code",
        "bpjs_message",
    }
    assert view["effective_date"] == "2025-04-01"
    assert NIK not in str(view)
    assert NIK not in repr(record)


def test_bpjs_messages_lose_every_nik_but_keep_card_numbers() -> None:
    message = f"NIK {NIK} sudah terdaftar dengan kartu 0002157100001"
    assert redact_niks(message) == "NIK <NIK> sudah terdaftar dengan kartu 0002157100001"
