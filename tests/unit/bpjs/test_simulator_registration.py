"""The PBI APBD registration port: tambah, kurang, ubah through the gateway client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsClient
from bpjs_gateway.domain.peserta import Mutation, MutationKind
from bpjs_sim.catalogue import PUSKESMAS_JAMBI

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
NEW_RESIDENT: dict[str, Any] = {
    "nik": "1571075003950005",
    "nama": "Rini Wulandari",
    "sex": "P",
    "tglLahir": date(1995, 3, 10),
    "noKK": "1571070101200002",
}
PPU_WORKER = {
    "nik": "1571051208850004",
    "nama": "ANDI PRATAMA",
    "sex": "L",
    "tglLahir": "1985-08-12",
    "jenisPeserta": "13",
}


def tambah(tgl_berlaku: date = date(2025, 2, 1), **fields: Any) -> Mutation:
    return Mutation.model_validate(
        {"jenis": MutationKind.TAMBAH, "tglBerlaku": tgl_berlaku, **NEW_RESIDENT, **fields}
    )


def kurang(no_kartu: str, tgl_berlaku: date = date(2025, 3, 1)) -> Mutation:
    return Mutation(
        jenis=MutationKind.KURANG,
        nik=NEW_RESIDENT["nik"],
        no_kartu=no_kartu,
        tgl_berlaku=tgl_berlaku,
        alasan="pindah domisili",
    )


async def test_tambah_issues_a_13_digit_card_at_a_jambi_city_puskesmas(
    client: BpjsClient,
) -> None:
    result = await client.mutate(tambah())
    assert len(result.no_kartu) == 13
    assert result.no_kartu.isdigit()
    assert (result.kd_provider, result.nm_provider) in PUSKESMAS_JAMBI
    assert result.tgl_tmt == date(2025, 2, 1)


async def test_tambah_is_confirmed_by_a_look_up_as_active_pbi_apbd(client: BpjsClient) -> None:
    result = await client.mutate(tambah())
    peserta = await client.peserta_by_nik(NEW_RESIDENT["nik"], ON)
    assert peserta is not None
    assert peserta.no_kartu == result.no_kartu
    assert peserta.jenis_peserta.kode == "22"
    assert peserta.is_active
    assert peserta.hak_kelas.keterangan == "KELAS III"


async def test_tambah_of_an_existing_pbi_apbd_participant_returns_the_same_card(
    client: BpjsClient,
) -> None:
    first = await client.mutate(tambah())
    again = await client.mutate(tambah(tgl_berlaku=date(2025, 5, 1)))
    assert again.no_kartu == first.no_kartu
    assert again.tgl_tmt == first.tgl_tmt


async def test_two_new_residents_get_different_cards(client: BpjsClient) -> None:
    first = await client.mutate(tambah())
    second = await client.mutate(tambah(nik="1571075003950006"))
    assert first.no_kartu != second.no_kartu


async def test_tambah_of_a_nik_active_in_another_segment_is_refused_without_the_nik(
    client: BpjsClient, seed: Seeder
) -> None:
    await seed(PPU_WORKER)
    with pytest.raises(BpjsBusinessError) as caught:
        await client.mutate(tambah(nik=PPU_WORKER["nik"]))
    assert caught.value.code == "201"
    assert "PEGAWAI SWASTA" in caught.value.message
    assert PPU_WORKER["nik"] not in str(caught.value)


async def test_tambah_of_a_deceased_participant_is_refused(
    client: BpjsClient, seed: Seeder
) -> None:
    await seed({**PPU_WORKER, "statusPeserta": "2"})
    with pytest.raises(BpjsBusinessError, match="meninggal"):
        await client.mutate(tambah(nik=PPU_WORKER["nik"]))


async def test_tambah_of_a_lapsed_ppu_worker_moves_their_card_to_pbi_apbd(
    client: BpjsClient, seed: Seeder
) -> None:
    [card] = await seed({**PPU_WORKER, "statusPeserta": "9"})
    result = await client.mutate(tambah(nik=PPU_WORKER["nik"]))
    assert result.no_kartu == card
    assert result.jenis_peserta is not None
    assert result.jenis_peserta.kode == "22"


async def test_kurang_marks_the_card_non_active_with_its_coverage_end_date(
    client: BpjsClient,
) -> None:
    added = await client.mutate(tambah())
    removed = await client.mutate(kurang(added.no_kartu))
    assert removed.tgl_tat == date(2025, 3, 1)
    peserta = await client.peserta_by_card(added.no_kartu, ON)
    assert peserta is not None
    assert not peserta.is_active
    assert peserta.status_peserta.keterangan.startswith("NON AKTIF")
    assert peserta.tgl_tat == date(2025, 3, 1)


async def test_kurang_of_a_participant_the_city_does_not_pay_for_is_refused(
    client: BpjsClient, seed: Seeder
) -> None:
    [card] = await seed(PPU_WORKER)
    mutation = Mutation(
        jenis=MutationKind.KURANG, nik=PPU_WORKER["nik"], no_kartu=card, tgl_berlaku=ON
    )
    with pytest.raises(BpjsBusinessError, match="bukan segmen PBI"):
        await client.mutate(mutation)


async def test_tambah_after_kurang_reactivates_the_same_card(client: BpjsClient) -> None:
    added = await client.mutate(tambah())
    await client.mutate(kurang(added.no_kartu))
    readded = await client.mutate(tambah(tgl_berlaku=date(2025, 6, 1)))
    assert readded.no_kartu == added.no_kartu
    assert readded.status_peserta is not None
    assert readded.status_peserta.kode == "0"


async def test_ubah_corrects_the_name_on_the_card(client: BpjsClient) -> None:
    added = await client.mutate(tambah())
    fix = Mutation(
        jenis=MutationKind.UBAH,
        nik=NEW_RESIDENT["nik"],
        no_kartu=added.no_kartu,
        nama="Rini Wulandari Putri",
        tgl_berlaku=ON,
    )
    await client.mutate(fix)
    peserta = await client.peserta_by_card(added.no_kartu, ON)
    assert peserta is not None
    assert peserta.nama == "RINI WULANDARI PUTRI"


async def test_ubah_with_a_card_of_someone_else_is_refused(client: BpjsClient) -> None:
    added = await client.mutate(tambah())
    other = Mutation(
        jenis=MutationKind.UBAH, nik="1571075003950006", no_kartu=added.no_kartu, tgl_berlaku=ON
    )
    with pytest.raises(BpjsBusinessError, match="tidak sesuai"):
        await client.mutate(other)


async def test_tambah_without_personal_data_is_refused_naming_the_missing_fields(
    client: BpjsClient,
) -> None:
    bare = Mutation(jenis=MutationKind.TAMBAH, nik=NEW_RESIDENT["nik"], tgl_berlaku=ON)
    with pytest.raises(BpjsBusinessError, match="tidak lengkap"):
        await client.mutate(bare)


async def test_an_astral_plane_name_survives_tambah_and_look_up(client: BpjsClient) -> None:
    await client.mutate(tambah(nama="𠀋 Wulandari 😀"))
    peserta = await client.peserta_by_nik(NEW_RESIDENT["nik"], ON)
    assert peserta is not None
    assert peserta.nama == "𠀋 WULANDARI 😀"
