"""Postgres over TLS is configured in the database URL (``?sslmode=verify-full&sslrootcert=
…``): every pool is made from the URL as given, so asyncpg sees the sslmode and asks the
server for TLS before anything else is said."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from jkn_bus import BusSettings, ServiceRuntime
from jkn_bus import db as jkn_db
from jkn_bus import service as jkn_service

TLS_URL = (
    "postgresql://enrollment:s3cret-prod@db.internal:5432/jkn"
    "?sslmode=verify-full&sslrootcert=/etc/jkn/postgres-ca/ca.crt"
)
SSL_REQUEST = 80877103  # the code of PostgreSQL's SSLRequest message


class Captured(Exception):
    """Stops start-up once the pool was asked for."""


@pytest.fixture
def create_pool_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    async def fake_create_pool(*args: Any, **kwargs: Any) -> Any:
        calls.append((*args, kwargs))
        raise Captured

    monkeypatch.setattr(jkn_db.asyncpg, "create_pool", fake_create_pool)
    return calls


async def test_connect_pool_hands_the_url_to_asyncpg_unchanged(
    create_pool_calls: list[tuple[Any, ...]],
) -> None:
    with pytest.raises(Captured):
        await jkn_db.connect_pool(TLS_URL, max_size=3)
    [(dsn, kwargs)] = create_pool_calls
    assert dsn == TLS_URL
    assert "ssl" not in kwargs  # nothing overrides the URL's sslmode


async def test_a_service_connects_with_its_own_url_as_the_environment_gives_it(
    create_pool_calls: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENROLLMENT_DATABASE_URL", TLS_URL)
    monkeypatch.delenv("JKN_ENV", raising=False)
    monkeypatch.setattr(jkn_service, "configure_tracing", lambda *_, **__: None)  # global
    runtime = ServiceRuntime(BusSettings(service="enrollment"))

    with pytest.raises(Captured):
        await runtime.start()

    assert create_pool_calls[0][0] == TLS_URL


@pytest.fixture
async def postgres_stand_in() -> AsyncIterator[tuple[int, list[int]]]:
    """A TCP server that notes the code of the first message a client sends, then says
    it does no TLS ('N') and hangs up."""
    first_codes: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            _, code = struct.unpack("!ii", await reader.readexactly(8))
            first_codes.append(code)
            writer.write(b"N")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield port, first_codes


async def test_sslmode_require_in_the_url_makes_asyncpg_ask_for_tls_first(
    postgres_stand_in: tuple[int, list[int]],
) -> None:
    port, first_codes = postgres_stand_in

    with pytest.raises((ConnectionError, OSError)):  # the stand-in refuses TLS: no fallback
        await asyncio.wait_for(
            jkn_db.connect_pool(f"postgresql://u:p@127.0.0.1:{port}/jkn?sslmode=require"),
            timeout=10,
        )

    assert first_codes
    assert set(first_codes) == {SSL_REQUEST}


async def test_without_sslmode_in_the_url_asyncpg_would_talk_in_clear_when_refused(
    postgres_stand_in: tuple[int, list[int]],
) -> None:
    """The counter-check: sslmode=disable sends the startup message straight away."""
    port, first_codes = postgres_stand_in

    with pytest.raises(Exception):  # noqa: B017, PT011 - the stand-in is no Postgres
        await asyncio.wait_for(
            jkn_db.connect_pool(f"postgresql://u:p@127.0.0.1:{port}/jkn?sslmode=disable"),
            timeout=10,
        )

    assert first_codes
    assert SSL_REQUEST not in first_codes
