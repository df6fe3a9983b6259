"""The BPJS simulator (uvicorn in a thread, its own SQLite) and the gateway runtime
in-process on the test database and topic prefix; the simulator is seeded with the
synthetic city's ``bpjs_seed.json`` exactly as ``jkn_city`` writes it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
import uvicorn
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.bootstrap import build_app, build_runtime, build_worker, run_worker
from bpjs_gateway.settings import GatewaySettings
from bpjs_sim import SimSettings, create_app
from jkn_bus import BusSettings, ServiceRuntime
from jkn_city import City, generate_city, write_bpjs_seed_json
from jkn_city import Resident as CityResident
from jkn_contracts import ParticipantVerified, participant_id_for, topic_for
from jkn_contracts.city import CITY_TZ
from jkn_devstack.tokens import DevTokenAuth
from support.kafka import Collector
from support.sealed import ESCROW_TO, sealed_event

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
CITY = generate_city(1571, 600)
SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY = "31337", "test-secret", "test-user-key"
WIB = CITY_TZ
PSEUDONYM_KEY = "dev-only-pseudonym-key"


def uncovered_residents() -> Iterator[CityResident]:
    """Residents BPJS does not know yet, in a stable order (each test takes its own)."""
    return iter([r for r in CITY if r.coverage is None and r.alive])


def pid(nik: str) -> str:
    return participant_id_for(nik, PSEUDONYM_KEY)


def verified(resident: CityResident) -> ParticipantVerified:
    """Dinkes's verification of ``resident`` (a new proposal each time)."""
    return sealed_event(
        ParticipantVerified,
        participant_id=pid(resident.nik),
        correlation_id=uuid.uuid4(),
        personal={
            "nik": resident.nik,
            "kk": resident.kk,
            "name": resident.name,
            "sex": resident.sex,
            "birth_date": resident.birth_date,
        },
        payload={"proposal_id": uuid.uuid4(), "budget_year": datetime.now(WIB).year},
    )


@pytest.fixture(scope="module", autouse=True)
def _keys_go_to_this_database(database: dict[str, str]) -> None:
    ESCROW_TO["url"] = database["enrollment"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def city() -> City:
    return CITY


@pytest.fixture(scope="module")
def simulator(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The BPJS simulator served over real HTTP on a free port; yields its base URL. A
    module setting ``BPJS_SIM_STRICT = True`` gets it in strict mode (a repeated *tambah*
    or *kurang* refused: docs/domain.md#strict-mode)."""
    settings = SimSettings(
        cons_id=SIM_CONS_ID,
        secret=SIM_SECRET,
        user_key=SIM_USER_KEY,
        db_path=tmp_path_factory.mktemp("bpjs-sim") / "bpjs-sim.sqlite",
        strict=getattr(request.module, "BPJS_SIM_STRICT", False),
    )
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.sim.store.close()


@pytest.fixture(scope="module")
async def sim_admin(simulator: str) -> AsyncIterator[httpx.AsyncClient]:
    """Unsigned access to the simulator's /_sim endpoints."""
    async with httpx.AsyncClient(base_url=simulator, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
async def seeded(
    sim_admin: httpx.AsyncClient, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """The city's bpjs_seed.json, posted to /_sim/seed as it is; returns its records."""
    path = tmp_path_factory.mktemp("city") / "bpjs_seed.json"
    write_bpjs_seed_json(CITY, path)
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    reply = await sim_admin.post("/_sim/seed", json=records)
    reply.raise_for_status()
    assert reply.json()["noKartu"] == [r["noKartu"] for r in records]
    return records


@pytest.fixture(scope="module")
async def runtime(
    database: dict[str, str], topic_prefix: str, simulator: str, seeded: list[dict[str, Any]]
) -> AsyncIterator[ServiceRuntime]:
    """The gateway consuming Dinkes's topic under this module's prefix."""
    del seeded
    settings = GatewaySettings(
        bpjs_base_url=simulator,
        bpjs_cons_id=SIM_CONS_ID,
        bpjs_secret=SIM_SECRET,
        bpjs_user_key=SIM_USER_KEY,
        bpjs_timeout_s=5,
        bpjs_retry_base_s=0.2,
        bpjs_retry_max_s=2,
        bpjs_breaker_cooldown_s=1,
        bpjs_intent_poll_s=0.2,
    )
    bus = BusSettings(
        service="bpjs-gateway",
        database_url=database["bpjs-gateway"],
        kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix,
        relay_poll_interval_s=0.2,
    )
    client = BpjsClient(
        simulator, SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY, timeout=settings.bpjs_timeout_s
    )
    runtime = build_runtime(settings, bpjs=client, bus=bus)
    await runtime.start()
    worker = asyncio.create_task(run_worker(runtime, build_worker(runtime, client, settings)))
    yield runtime
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    await runtime.stop()
    await client.aclose()


@pytest.fixture(scope="module")
async def http(runtime: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's HTTP API on the running runtime."""
    app = build_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://bpjs-gateway",
        auth=DevTokenAuth("agus.bpjs"),
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def published(topic_prefix: str) -> AsyncIterator[Collector]:
    """Everything the gateway publishes on jkn.bpjs.participants."""
    collector = Collector(BOOTSTRAP, topic_for("CoverageReported", topic_prefix))
    await collector.start()
    yield collector
    await collector.stop()
