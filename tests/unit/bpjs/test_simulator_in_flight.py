"""The simulator counts the BPJS calls it is answering at once (``GET /_sim/in-flight``):
`python -m jkn_demo bench-latency` checks the gateway's ``BPJS_MAX_IN_FLIGHT`` bound
against the peak it saw."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date

import httpx
from bpjs_gateway.adapters.bpjs_client import BpjsClient

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
UNKNOWN_NIKS = [f"157101010190{n:04d}" for n in range(5)]


async def test_peak_is_the_most_calls_open_at_once_and_admin_calls_are_not_counted(
    client: BpjsClient, admin: httpx.AsyncClient
) -> None:
    (await admin.post("/_sim/faults", json={"latency_ms": 200})).raise_for_status()

    await asyncio.gather(*(client.peserta_by_nik(nik, ON) for nik in UNKNOWN_NIKS[:3]))
    await client.peserta_by_nik(UNKNOWN_NIKS[3], ON)
    (await admin.get("/_sim/faults")).raise_for_status()

    seen = (await admin.get("/_sim/in-flight")).raise_for_status().json()
    assert seen["in_flight"] == 0
    assert seen["in_flight_peak"] == 3
    assert seen["busy_seconds"] >= 4 * 0.2  # each call was held for the latency at least


async def test_a_reset_starts_the_peak_again_from_the_calls_open_now(
    client: BpjsClient, admin: httpx.AsyncClient
) -> None:
    (await admin.post("/_sim/faults", json={"latency_ms": 100})).raise_for_status()
    await asyncio.gather(*(client.peserta_by_nik(nik, ON) for nik in UNKNOWN_NIKS[:2]))
    before = (await admin.get("/_sim/in-flight")).raise_for_status().json()
    (await admin.delete("/_sim/in-flight")).raise_for_status()
    await client.peserta_by_nik(UNKNOWN_NIKS[4], ON)

    seen = (await admin.get("/_sim/in-flight")).raise_for_status().json()
    assert before["in_flight_peak"] == 2
    assert seen["in_flight_peak"] == 1
