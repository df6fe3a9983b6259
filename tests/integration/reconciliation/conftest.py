"""The enrollment service in this process, on the module's database and topic prefix.

``client`` calls it as siti.dinsos (who uploads), ``approver`` as yusuf.dinsos (the second
Dinsos officer who approves runs: maker-checker). These modules enrol a handful of residents
and deactivate most of them, and load snapshots of any size: their app has no deactivation
share or snapshot row-ratio limit (``RunLimits``); test_run_approval.py tests the limits.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
from enrollment.app.run_limits import RunLimits
from enrollment.bootstrap import build_app, build_runtime
from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime
from jkn_devstack.tokens import DevTokenAuth

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
UPLOADER = "siti.dinsos"
APPROVER = "yusuf.dinsos"


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
    application.state.run_limits = RunLimits(max_deactivation_share=1.0, min_snapshot_row_ratio=0)
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
        auth=DevTokenAuth(UPLOADER),
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def approver(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The same app, called by a second Dinsos officer: who approves siti.dinsos's runs."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://enrollment",
        timeout=120,
        auth=DevTokenAuth(APPROVER),
    ) as c:
        yield c
