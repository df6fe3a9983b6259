"""The simulator counts the calls made to its BPJS routes (``GET /_sim/calls``), by method
and route template, so `make profile` can state BPJS calls per resident."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

import httpx
from bpjs_gateway.adapters.bpjs_client import BpjsClient

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
RESIDENT = {
    "nik": "1571024505800003",
    "nama": "SITI AMINAH",
    "sex": "P",
    "tglLahir": "1980-05-05",
    "noKK": "1571020101100001",
    "jenisPeserta": "21",
}
BY_NIK = "GET /Peserta/nik/{nik}/tglSEP/{tgl_sep}"
BY_CARD = "GET /Peserta/nokartu/{no_kartu}/tglSEP/{tgl_sep}"


async def test_counts_each_bpjs_call_under_its_route_template_never_its_path(
    client: BpjsClient, seed: Seeder, admin: httpx.AsyncClient
) -> None:
    [card] = await seed(RESIDENT)
    await client.peserta_by_nik(RESIDENT["nik"], ON)
    await client.peserta_by_nik("1571010101900009", ON)  # unknown: still a call to BPJS
    await client.peserta_by_card(card, ON)

    counts = (await admin.get("/_sim/calls")).raise_for_status().json()

    assert counts == {"total": 3, "by_route": {BY_NIK: 2, BY_CARD: 1}}
    assert RESIDENT["nik"] not in str(counts)
    assert card not in str(counts)


async def test_leaves_its_own_admin_calls_out_of_the_count(admin: httpx.AsyncClient) -> None:
    (await admin.get("/_sim/faults")).raise_for_status()

    counts = (await admin.get("/_sim/calls")).raise_for_status().json()

    assert counts == {"total": 0, "by_route": {}}
