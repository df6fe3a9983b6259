"""The verification service running in-process on the test database and topic prefix."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from integration.verification.scenario import CITY, People
from jkn_bus import BusSettings, ServiceRuntime
from jkn_city import write_civil_registry_csv, write_dtks_csv
from jkn_contracts import EventBase, topic_for
from jkn_devstack.tokens import DevTokenAuth
from support.dev_issuer import LocalIssuer
from support.kafka import Collector, produce
from support.sealed import escrow
from verification.bootstrap import build_app, build_runtime, on_started
from verification.settings import VerificationSettings

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
INITIAL_QUOTA = 1000


@pytest.fixture(scope="module")
def reference_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """civil_registry.csv and dtks.csv of the synthetic city, as jkn_city exports them."""
    out = tmp_path_factory.mktemp("reference")
    write_civil_registry_csv(CITY, out / "civil_registry.csv")
    write_dtks_csv(CITY, out / "dtks.csv")
    return out


@pytest.fixture(scope="module")
def settings(reference_dir: Path) -> VerificationSettings:
    # These tests fill the quota by cutting it to what is used: no cut limit here (the limit,
    # JKN_MAX_QUOTA_CUT_SHARE, is test_quota_cut.py's).
    return VerificationSettings(
        quota_total=INITIAL_QUOTA, reference_dir=reference_dir, max_quota_cut_share=1.0
    )


@pytest.fixture(scope="module")
async def runtime(
    database: dict[str, str], topic_prefix: str, settings: VerificationSettings
) -> AsyncIterator[ServiceRuntime]:
    bus = BusSettings(
        service="verification",
        database_url=database["verification"],
        kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix,
        relay_poll_interval_s=0.2,
    )
    runtime = build_runtime(settings, bus)
    await runtime.start()
    await on_started(runtime, settings)
    yield runtime
    await runtime.stop()


@pytest.fixture(scope="module")
async def http(
    runtime: ServiceRuntime, settings: VerificationSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP API on the running runtime (the app's lifespan is not run again)."""
    app = build_app(runtime, settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://verification",
        auth=DevTokenAuth("rina.dinkes"),
    ) as client:
        yield client


class SecondVerifier(LocalIssuer):
    """Tokens of a second Dinkes verifier: the demo verifier's roles and agency under another
    subject of a local issuer, so another actor id (all the two-person rule compares) whether
    the maker's token is Keycloak's or a local one. The demo realm holds one Dinkes verifier."""

    @staticmethod
    def subject(name: str) -> str:
        return f"second-{name}"


@pytest.fixture(scope="module")
async def checker(
    runtime: ServiceRuntime, settings: VerificationSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """A second Dinkes verifier (``SecondVerifier``), who approves the quota cuts ``http``'s
    verifier asks for (the two-person rule, app.quota_cuts)."""
    issuer = SecondVerifier(runtime.settings.jkn_pseudonym_key)
    app = issuer.protect(build_app(runtime, settings), "verification")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://verification",
        auth=issuer.auth("rina.dinkes"),
    ) as client:
        yield client


async def set_total(
    maker: httpx.AsyncClient, checker: httpx.AsyncClient, year: int, total: int
) -> dict[str, Any]:
    """Set the year's total as Dinkes does: a raise at once, a cut asked for by ``maker`` and
    approved by ``checker``. The quota afterwards (GET /quota)."""
    asked = await maker.put("/quota", json={"budget_year": year, "total": total})
    if asked.status_code == 202:
        approved = await checker.post(asked.json()["approve_url"])
        assert approved.status_code == 200, approved.text
    else:
        assert asked.status_code == 200, asked.text
    quota: dict[str, Any] = (await maker.get("/quota", params={"budget_year": year})).json()
    return quota


@pytest.fixture(scope="module")
async def published(topic_prefix: str) -> AsyncIterator[Collector]:
    """Everything verification publishes, as it is published."""
    collector = Collector(BOOTSTRAP, topic_for("ParticipantVerified", topic_prefix))
    await collector.start()
    yield collector
    await collector.stop()


@pytest.fixture(scope="module")
def people() -> People:
    return People(CITY)


@pytest.fixture
def send(topic_prefix: str, database: dict[str, str]):  # type: ignore[no-untyped-def]
    async def send(*events: EventBase) -> None:
        await escrow(database["enrollment"])  # the residents' keys, as Dinas Sosial made them
        for event in events:
            await produce(
                BOOTSTRAP,
                topic_for(event.event_type, topic_prefix),  # type: ignore[attr-defined]
                [(event.participant_id.encode(), event.model_dump_json().encode())],
            )

    return send
