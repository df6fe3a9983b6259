"""Every act is attributable: a peserta sync asked for by the BPJS desk is stated as
PesertaSyncRequested (who asked, when), and the changes the pass finds carry the same
actor and name that request as their cause; a pass on the gateway's own timer names no one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.bootstrap import build_app, build_sync
from integration.gateway.conftest import SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY, Collector
from integration.gateway.test_sync import activate, bpjs_changes, published_changes
from jkn_bus import ServiceRuntime
from jkn_contracts import PesertaSyncRequested
from support.dev_issuer import Callers, demo_callers
from support.polling import eventually

pytestmark = pytest.mark.infra

DESK = "agus.bpjs"


@pytest.fixture(scope="module")
async def bpjs(simulator: str) -> AsyncIterator[BpjsClient]:
    async with BpjsClient(simulator, SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
async def callers(runtime: ServiceRuntime) -> Callers:
    return await demo_callers(actor_key=runtime.settings.jkn_pseudonym_key)


@pytest.fixture(scope="module")
async def desk(
    runtime: ServiceRuntime, bpjs: BpjsClient, callers: Callers
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's API, called by the city's BPJS desk."""
    app = callers.protect(build_app(runtime=runtime, bpjs=bpjs), "bpjs-gateway")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://bpjs-gateway", auth=callers.auth(DESK)
    ) as client:
        yield client


async def requests_stated(published: Collector, count: int) -> list[PesertaSyncRequested]:
    async def arrived() -> list[PesertaSyncRequested]:
        found = [e for e in published.events if isinstance(e, PesertaSyncRequested)]
        return found if len(found) >= count else []

    return await eventually(arrived, timeout=30)


async def test_a_sync_asked_for_names_who_asked_and_its_changes_name_the_request(
    *,
    runtime: ServiceRuntime,
    published: Collector,
    desk: httpx.AsyncClient,
    callers: Callers,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    participant_id, card = await activate(topic_prefix, published)
    await bpjs_changes(sim_admin, card, statusPeserta="2")

    answer = await desk.post("/sync")

    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] == 1
    (request,) = await requests_stated(published, 1)
    agus = {"id": await callers.actor(DESK), "agency": "bpjs-gateway", "kind": "person"}
    assert request.actor is not None
    assert request.actor.model_dump() == agus
    assert request.participant_id is None
    assert request.payload.run_id == request.correlation_id
    key = await runtime.pool.fetchval(
        "SELECT key FROM outbox WHERE event_id = $1", request.event_id
    )
    assert key == "sync"
    (change,) = await published_changes(published, participant_id, expect=1)
    assert change.actor == request.actor
    assert change.causation_id == request.event_id
    assert change.correlation_id == request.payload.run_id


async def test_a_pass_on_the_gateway_s_own_timer_is_nobody_s_act(
    runtime: ServiceRuntime,
    published: Collector,
    bpjs: BpjsClient,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    participant_id, card = await activate(topic_prefix, published)
    await bpjs_changes(sim_admin, card, statusPeserta="0", jenisPeserta="13")
    requests_before = len([e for e in published.events if isinstance(e, PesertaSyncRequested)])

    counts: dict[str, Any] = await build_sync(runtime, bpjs).run_once()  # as the timer does

    assert counts["changed"] == 1
    (change,) = await published_changes(published, participant_id, expect=1)
    assert (change.actor, change.causation_id) == (None, None)
    stated = [e for e in published.events if isinstance(e, PesertaSyncRequested)]
    assert len(stated) == requests_before
