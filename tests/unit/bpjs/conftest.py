"""A simulator app per test, talked to in-process through httpx.ASGITransport."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_sim import SimSettings, create_app
from fastapi import FastAPI

BASE_URL = "http://bpjs.test"


@pytest.fixture
def settings(tmp_path: Path) -> SimSettings:
    return SimSettings(
        cons_id="31337",
        secret="test-secret",  # noqa: S106 - a test credential
        user_key="test-user-key",
        db_path=tmp_path / "bpjs-sim.sqlite",
        max_drift_s=300,
    )


@pytest.fixture
def app(settings: SimSettings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.sim.store.close()


ClientFactory = Callable[..., BpjsClient]
Seeder = Callable[..., Awaitable[list[str]]]


@pytest.fixture
def make_client(app: FastAPI, settings: SimSettings) -> ClientFactory:
    """Build gateway clients wired to ``app`` in-process; keywords replace any argument."""

    def build(**overrides: Any) -> BpjsClient:
        args: dict[str, Any] = {
            "base_url": BASE_URL,
            "cons_id": settings.cons_id,
            "secret": settings.secret,
            "user_key": settings.user_key,
            "timeout": 2.0,
            "transport": httpx.ASGITransport(app=app),
        }
        args.update(overrides)
        return BpjsClient(**args)

    return build


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[BpjsClient]:
    async with make_client() as client:
        yield client


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Unsigned access to the simulator's /_sim endpoints."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
def seed(admin: httpx.AsyncClient) -> Seeder:
    """Seed peserta records through ``POST /_sim/seed``; returns their card numbers."""

    async def seed_records(*records: dict[str, Any]) -> list[str]:
        reply = await admin.post("/_sim/seed", json=list(records))
        reply.raise_for_status()
        cards: list[str] = reply.json()["noKartu"]
        return cards

    return seed_records


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_sim(app: FastAPI) -> Iterator[str]:
    """The same app served by uvicorn over real HTTP in a thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
