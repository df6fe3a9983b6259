"""Strict mode (``BPJS_SIM_STRICT``): a repeated *tambah* or *kurang* is refused.

Real BPJS promises no idempotency (docs/domain.md#strict-mode); in strict mode the
simulator refuses what the default mode answers idempotently, so a gateway that files
twice is caught.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsClient
from bpjs_gateway.domain.peserta import Mutation, MutationKind
from bpjs_sim import SimSettings

NEW_RESIDENT: dict[str, Any] = {
    "nik": "1571075003950005",
    "nama": "Rini Wulandari",
    "sex": "P",
    "tglLahir": date(1995, 3, 10),
    "noKK": "1571070101200002",
}


@pytest.fixture
def settings(settings: SimSettings) -> SimSettings:
    return dataclasses.replace(settings, strict=True)


def tambah(tgl_berlaku: date = date(2025, 2, 1)) -> Mutation:
    return Mutation.model_validate(
        {"jenis": MutationKind.TAMBAH, "tglBerlaku": tgl_berlaku, **NEW_RESIDENT}
    )


def kurang(no_kartu: str) -> Mutation:
    return Mutation(
        jenis=MutationKind.KURANG,
        nik=NEW_RESIDENT["nik"],
        no_kartu=no_kartu,
        tgl_berlaku=date(2025, 3, 1),
        alasan="pindah domisili",
    )


async def test_a_second_tambah_for_a_registered_nik_is_refused_with_code_201(
    client: BpjsClient, admin: httpx.AsyncClient
) -> None:
    first = await client.mutate(tambah())
    with pytest.raises(BpjsBusinessError) as caught:
        await client.mutate(tambah(tgl_berlaku=date(2025, 5, 1)))
    assert caught.value.code == "201"
    assert "sudah terdaftar" in caught.value.message
    assert NEW_RESIDENT["nik"] not in str(caught.value)
    effects = (await admin.get("/_sim/effects")).raise_for_status().json()
    assert effects["per_card"][first.no_kartu]["tambah_applied"] == 1
    assert effects["per_card"][first.no_kartu]["refused"] == 1
    assert effects["cards_issued"] == 1


async def test_the_refused_tambah_leaves_the_card_as_it_was(client: BpjsClient) -> None:
    first = await client.mutate(tambah())
    with pytest.raises(BpjsBusinessError):
        await client.mutate(tambah(tgl_berlaku=date(2025, 5, 1)))
    peserta = await client.peserta_by_card(first.no_kartu, date(2025, 6, 1))
    assert peserta is not None
    assert peserta.is_active
    assert peserta.tgl_tmt == date(2025, 2, 1)


async def test_a_kurang_of_a_card_already_inactive_is_refused(client: BpjsClient) -> None:
    added = await client.mutate(tambah())
    await client.mutate(kurang(added.no_kartu))
    with pytest.raises(BpjsBusinessError, match="sudah tidak aktif") as caught:
        await client.mutate(kurang(added.no_kartu))
    assert caught.value.code == "201"


async def test_a_tambah_after_a_kurang_still_reactivates_the_card(client: BpjsClient) -> None:
    added = await client.mutate(tambah())
    await client.mutate(kurang(added.no_kartu))
    readded = await client.mutate(tambah(tgl_berlaku=date(2025, 6, 1)))
    assert readded.no_kartu == added.no_kartu
    assert readded.status_peserta is not None
    assert readded.status_peserta.kode == "0"


@pytest.mark.parametrize(("value", "strict"), [("1", True), ("true", True), ("0", False)])
def test_the_environment_switches_strict_mode(
    monkeypatch: pytest.MonkeyPatch, value: str, *, strict: bool
) -> None:
    monkeypatch.setenv("BPJS_SIM_STRICT", value)
    assert SimSettings.from_env().strict is strict


def test_strict_mode_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BPJS_SIM_STRICT", raising=False)
    assert SimSettings.from_env().strict is False


def test_a_misspelt_strict_setting_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPJS_SIM_STRICT", "strict")
    with pytest.raises(ValueError, match="BPJS_SIM_STRICT"):
        SimSettings.from_env()
