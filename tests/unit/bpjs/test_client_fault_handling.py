"""Each injected simulator fault surfaces as the client exception a caller can act on,
whether the client talks to BPJS over the network (aiohttp) or to an in-process app
(an httpx transport): ``adapters.bpjs_http``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from bpjs_bridging import BridgingDecryptError
from bpjs_gateway.adapters.bpjs_client import (
    BpjsAuthError,
    BpjsClient,
    BpjsUnavailable,
)
from jkn_bus import TransientError

Seeder = Callable[..., Awaitable[list[str]]]
ON = date(2025, 1, 15)
RESIDENT = {
    "nik": "1571024505800003",
    "nama": "SITI AMINAH",
    "sex": "P",
    "tglLahir": "1980-05-05",
    "jenisPeserta": "22",
}


@pytest.fixture(params=["in-process", "over-http"])
def route(request: pytest.FixtureRequest) -> dict[str, Any]:
    """How the client reaches the simulator: its keywords for ``make_client``."""
    if request.param == "in-process":
        return {}
    return {"base_url": request.getfixturevalue("live_sim"), "transport": None}


@pytest.mark.parametrize(
    ("faults", "expected", "says"),
    [
        ({"force_403": True}, BpjsAuthError, "rejected the credentials"),
        ({"http_500_rate": 1.0}, BpjsUnavailable, "HTTP 500"),
        ({"html_error": True}, BpjsUnavailable, "non-JSON body"),
        ({"truncated_body": True}, BpjsUnavailable, "non-JSON body"),
        ({"undecryptable": True}, BridgingDecryptError, None),
        ({"latency_ms": 1500}, BpjsUnavailable, r"did not answer within 0\.5 s"),
    ],
    ids=["force-403", "http-500", "html-error", "truncated-body", "undecryptable", "latency"],
)
async def test_each_fault_maps_to_its_client_exception(
    *,
    faults: dict[str, Any],
    expected: type[Exception],
    says: str | None,
    seed: Seeder,
    admin: httpx.AsyncClient,
    make_client: Callable[..., BpjsClient],
    route: dict[str, Any],
) -> None:
    await seed(RESIDENT)
    (await admin.post("/_sim/faults", json=faults)).raise_for_status()
    async with make_client(timeout=0.5, **route) as client:
        with pytest.raises(expected, match=says) as raised:
            await client.peserta_by_nik(RESIDENT["nik"], ON)
    assert RESIDENT["nik"] not in str(raised.value)  # the look-up's path has it


async def test_bpjs_unavailable_is_a_transient_error_the_bus_retries() -> None:
    assert issubclass(BpjsUnavailable, TransientError)


async def test_clearing_faults_restores_normal_answers(
    make_client: Callable[..., BpjsClient],
    route: dict[str, Any],
    seed: Seeder,
    admin: httpx.AsyncClient,
) -> None:
    await seed(RESIDENT)
    await admin.post("/_sim/faults", json={"http_500_rate": 1.0, "undecryptable": True})
    (await admin.delete("/_sim/faults")).raise_for_status()
    assert (await admin.get("/_sim/faults")).json()["http_500_rate"] == 0.0
    async with make_client(**route) as client:
        found = await client.peserta_by_nik(RESIDENT["nik"], ON)
    assert found is not None
    assert found.nik == RESIDENT["nik"]


async def test_an_unknown_fault_is_refused(admin: httpx.AsyncClient) -> None:
    reply = await admin.post("/_sim/faults", json={"meteor_strike": True})
    assert reply.status_code == 422


async def test_a_wrong_path_gets_an_html_page_which_the_client_calls_unavailable(
    make_client: Callable[..., BpjsClient],
) -> None:
    async with make_client(vclaim_path="/vclaim-rest-v9") as client:
        with pytest.raises(BpjsUnavailable, match="HTTP 404"):
            await client.peserta_by_nik(RESIDENT["nik"], ON)


async def test_an_unreachable_bpjs_is_unavailable(
    make_client: Callable[..., BpjsClient],
) -> None:
    async with make_client(base_url="http://127.0.0.1:9", transport=None) as client:
        with pytest.raises(BpjsUnavailable, match="cannot reach"):
            await client.peserta_by_nik(RESIDENT["nik"], ON)


async def test_a_truncated_body_over_real_http_is_unavailable(
    live_sim: str, seed: Seeder, admin: httpx.AsyncClient, make_client: Callable[..., BpjsClient]
) -> None:
    await seed(RESIDENT)
    await admin.post("/_sim/faults", json={"truncated_body": True})
    async with make_client(base_url=live_sim, transport=None) as client:
        with pytest.raises(BpjsUnavailable):
            await client.peserta_by_nik(RESIDENT["nik"], ON)
