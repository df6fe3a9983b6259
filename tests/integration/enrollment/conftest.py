from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from enrollment.bootstrap import build_app, build_runtime
from fastapi import FastAPI
from jkn_bus import BusSettings
from jkn_devstack.tokens import DevTokenAuth

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="module")
def enrollment_settings(database: dict[str, str], topic_prefix: str) -> BusSettings:
    return BusSettings(
        service="enrollment", database_url=database["enrollment"], jkn_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=BOOTSTRAP, relay_poll_interval_s=0.2,
    )  # fmt: skip


@pytest.fixture(scope="module")
async def app(enrollment_settings: BusSettings) -> AsyncIterator[FastAPI]:
    """The enrollment service running in this process on the module's database and topics."""
    application = build_app(build_runtime(enrollment_settings), import_chunk_rows=3)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://enrollment", auth=DevTokenAuth("siti.dinsos")
    ) as c:
        yield c


APPROVER = "yusuf.dinsos"  # the second Dinsos officer: approves what siti.dinsos uploads


@pytest.fixture(scope="module")
async def approver(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The same app, called by a second Dinsos officer (imports are maker-checker)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://enrollment", auth=DevTokenAuth(APPROVER)
    ) as c:
        yield c


async def approved(approver: httpx.AsyncClient, previewed: httpx.Response) -> str:
    """The import of ``previewed`` (a 201 preview), approved by ``approver``: its id."""
    assert previewed.status_code == 201, previewed.text
    import_id: str = previewed.json()["import_id"]
    answer = await approver.post(f"/imports/{import_id}/approve")
    assert answer.status_code == 202, answer.text
    return import_id
