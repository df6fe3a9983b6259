"""The enrollment service in this process, on the module's database and topic prefix."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from enrollment.bootstrap import build_app, build_runtime
from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime
from jkn_devstack.tokens import DevTokenAuth

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="module")
def enrollment_settings(database: dict[str, str], topic_prefix: str) -> BusSettings:
    return BusSettings(
        service="enrollment",
        database_url=database["enrollment"],
        jkn_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=BOOTSTRAP,
        relay_poll_interval_s=0.2,
    )


@pytest.fixture(scope="module")
async def app(enrollment_settings: BusSettings) -> AsyncIterator[FastAPI]:
    application = build_app(build_runtime(enrollment_settings))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
def runtime(app: FastAPI) -> ServiceRuntime:
    runtime: ServiceRuntime = app.state.runtime
    return runtime


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://enrollment",
        timeout=120,
        auth=DevTokenAuth("siti.dinsos"),
    ) as c:
        yield c
