"""The simulator checks the BPJS signature scheme; the client maps refusals to BpjsAuthError."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from bpjs_bridging import headers
from bpjs_gateway.adapters.bpjs_client import BpjsAuthError, BpjsClient
from bpjs_sim import SimSettings
from fastapi import FastAPI

ON = date(2025, 1, 15)
LOOKUP = f"/vclaim-rest/Peserta/nik/1571024505800003/tglSEP/{ON.isoformat()}"


async def _raw_get(app: FastAPI, path: str, hdrs: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bpjs.test") as http:
        return await http.get(path, headers=hdrs)


async def test_a_request_signed_with_the_wrong_secret_raises_bpjs_auth_error(
    make_client: Callable[..., BpjsClient],
) -> None:
    async with make_client(secret="not-the-secret") as client:  # noqa: S106 - a wrong one
        with pytest.raises(BpjsAuthError):
            await client.peserta_by_nik("1571024505800003", ON)


async def test_an_unknown_user_key_raises_bpjs_auth_error(
    make_client: Callable[..., BpjsClient],
) -> None:
    async with make_client(user_key="someone-else") as client:
        with pytest.raises(BpjsAuthError):
            await client.peserta_by_card("0002157100001", ON)


async def test_a_client_whose_clock_is_off_by_more_than_the_window_raises_bpjs_auth_error(
    make_client: Callable[..., BpjsClient],
) -> None:
    async with make_client(clock=lambda: time.time() - 301) as client:
        with pytest.raises(BpjsAuthError):
            await client.peserta_by_nik("1571024505800003", ON)


async def test_a_timestamp_outside_the_window_gets_a_bare_403_without_envelope(
    app: FastAPI, settings: SimSettings
) -> None:
    stale = str(int(time.time()) - 10_000)
    hdrs = headers(settings.cons_id, settings.secret, settings.user_key, ts=stale)
    reply = await _raw_get(app, LOOKUP, hdrs)
    assert reply.status_code == 403
    assert reply.headers["content-type"].startswith("text/plain")
    assert "metaData" not in reply.text


async def test_a_timestamp_inside_the_window_is_accepted(
    app: FastAPI, settings: SimSettings
) -> None:
    slightly_late = str(int(time.time()) - 200)
    hdrs = headers(settings.cons_id, settings.secret, settings.user_key, ts=slightly_late)
    reply = await _raw_get(app, LOOKUP, hdrs)
    assert reply.status_code == 200
    assert reply.json()["metaData"]["code"] in {"200", "201"}


async def test_a_request_without_headers_gets_403(app: FastAPI) -> None:
    reply = await _raw_get(app, LOOKUP, {})
    assert reply.status_code == 403
