"""VClaim participant look-ups through the gateway client against the simulator."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsClient
from bpjs_sim import SimSettings, create_app

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
PBI_APBN_RESIDENT = {
    "nik": "1571024505800003",
    "nama": "SITI AMINAH",
    "sex": "P",
    "tglLahir": "1980-05-05",
    "noKK": "1571020101100001",
    "jenisPeserta": "21",
}


async def test_an_unknown_nik_is_none(client: BpjsClient) -> None:
    assert await client.peserta_by_nik("1571010101900009", ON) is None


async def test_an_unknown_card_is_none(client: BpjsClient) -> None:
    assert await client.peserta_by_card("0009999999999", ON) is None


async def test_a_seeded_pbi_apbn_resident_is_found_with_jenis_peserta_21(
    client: BpjsClient, seed: Seeder
) -> None:
    await seed(PBI_APBN_RESIDENT)
    peserta = await client.peserta_by_nik(PBI_APBN_RESIDENT["nik"], ON)
    assert peserta is not None
    assert peserta.jenis_peserta.kode == "21"
    assert peserta.jenis_peserta.keterangan == "PBI (APBN)"
    assert peserta.is_active
    assert peserta.hak_kelas.kode == "3"
    assert len(peserta.no_kartu) == 13
    assert peserta.prov_umum is not None
    assert len(peserta.prov_umum.kd_provider) == 8
    assert peserta.tgl_lahir == date(1980, 5, 5)


async def test_a_look_up_by_card_finds_the_same_peserta_as_by_nik(
    client: BpjsClient, seed: Seeder
) -> None:
    [card] = await seed(PBI_APBN_RESIDENT)
    peserta = await client.peserta_by_card(card, ON)
    assert peserta is not None
    assert peserta.nik == PBI_APBN_RESIDENT["nik"]


async def test_a_name_with_an_astral_plane_character_round_trips(
    client: BpjsClient, seed: Seeder
) -> None:
    name = "𠀋 LIM 😀 SIREGAR"
    await seed({**PBI_APBN_RESIDENT, "nama": name})
    peserta = await client.peserta_by_nik(PBI_APBN_RESIDENT["nik"], ON)
    assert peserta is not None
    assert peserta.nama == name


async def test_a_bpjs_side_death_shows_in_the_next_look_up(
    client: BpjsClient, seed: Seeder, admin: httpx.AsyncClient
) -> None:
    [card] = await seed(PBI_APBN_RESIDENT)
    changed = await admin.post(f"/_sim/peserta/{card}/status", json={"statusPeserta": "2"})
    assert changed.status_code == 200
    peserta = await client.peserta_by_card(card, ON)
    assert peserta is not None
    assert not peserta.is_active
    assert peserta.status_peserta.keterangan == "Meninggal"


async def test_a_bpjs_side_segment_change_shows_in_the_next_look_up(
    client: BpjsClient, seed: Seeder, admin: httpx.AsyncClient
) -> None:
    [card] = await seed(PBI_APBN_RESIDENT)
    change = {"statusPeserta": "0", "jenisPeserta": "13"}
    await admin.post(f"/_sim/peserta/{card}/status", json=change)
    peserta = await client.peserta_by_card(card, ON)
    assert peserta is not None
    assert peserta.jenis_peserta.keterangan == "PEGAWAI SWASTA"


async def test_an_invalid_tgl_sep_is_a_business_error_not_a_missing_peserta(
    client: BpjsClient,
) -> None:
    with pytest.raises(BpjsBusinessError) as caught:
        await client._peserta("/vclaim-rest/Peserta/nik/1571024505800003/tglSEP/15-01-2025")
    assert caught.value.code == "201"


async def test_the_client_refuses_a_malformed_nik_before_sending_it(client: BpjsClient) -> None:
    with pytest.raises(ValueError, match="16 digits"):
        await client.peserta_by_nik("15710245", ON)


async def test_the_register_survives_a_simulator_restart(
    settings: SimSettings, seed: Seeder, make_client: Callable[..., BpjsClient]
) -> None:
    await seed(PBI_APBN_RESIDENT)
    restarted = create_app(settings)
    try:
        transport = httpx.ASGITransport(app=restarted)
        async with make_client(transport=transport) as client:
            assert await client.peserta_by_nik(PBI_APBN_RESIDENT["nik"], ON) is not None
    finally:
        restarted.state.sim.store.close()


async def test_seeding_the_same_resident_twice_keeps_one_card(seed: Seeder) -> None:
    first = await seed(PBI_APBN_RESIDENT)
    again = await seed({**PBI_APBN_RESIDENT, "statusPeserta": "9"})
    assert first == again


async def test_neither_simulator_nor_client_logs_a_nik_or_a_name(
    client: BpjsClient, seed: Seeder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await seed(PBI_APBN_RESIDENT)
    await client.peserta_by_nik(PBI_APBN_RESIDENT["nik"], ON)
    await client.peserta_by_nik("1571010101900009", ON)
    assert "Peserta/nik/{nik}" in caplog.text  # the simulator logs the route template
    assert "Peserta/nik/<NIK>" in caplog.text  # httpx's request log is redacted
    for secret in (PBI_APBN_RESIDENT["nik"], "1571010101900009", "SITI"):
        assert secret not in caplog.text


async def test_a_look_up_works_over_real_http(
    live_sim: str, seed: Seeder, make_client: Callable[..., BpjsClient]
) -> None:
    await seed(PBI_APBN_RESIDENT)
    async with make_client(base_url=live_sim, transport=None) as client:
        peserta = await client.peserta_by_nik(PBI_APBN_RESIDENT["nik"], ON)
    assert peserta is not None
    assert peserta.nama == PBI_APBN_RESIDENT["nama"]
