"""The periodic peserta sync: BPJS changes a card on its side (death, a new segment), one
pass of ``POST /sync`` reports it once as PesertaStatusChanged, and never again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.bootstrap import build_app, build_sync
from bpjs_gateway.metrics import BPJS_CALLS, SYNC_CHANGES
from bpjs_gateway.settings import GatewaySettings
from integration.gateway.conftest import (
    BOOTSTRAP,
    SIM_CONS_ID,
    SIM_SECRET,
    SIM_USER_KEY,
    Collector,
    uncovered_residents,
    verified,
)
from jkn_bus import ServiceRuntime
from jkn_contracts import topic_for
from jkn_devstack.tokens import DevTokenAuth
from support.kafka import produce
from support.polling import eventually
from support.sealed import escrow

pytestmark = pytest.mark.infra

UNCOVERED = uncovered_residents()


@pytest.fixture(scope="module")
async def bpjs(simulator: str) -> AsyncIterator[BpjsClient]:
    async with BpjsClient(simulator, SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY, timeout=5) as client:
        yield client


@pytest.fixture(scope="module")
async def gateway(runtime: ServiceRuntime, bpjs: BpjsClient) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway's HTTP API with ``POST /sync`` looking cards up at the simulator."""
    app = build_app(runtime=runtime, bpjs=bpjs)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://bpjs-gateway",
        auth=DevTokenAuth("agus.bpjs"),
    ) as client:
        yield client


async def activate(topic_prefix: str, published: Collector) -> tuple[str, str]:
    """A verified resident activated by the gateway: (participant_id, noKartu)."""
    event = verified(next(UNCOVERED))
    await escrow()  # the resident's key, as Dinas Sosial made it
    await produce(
        BOOTSTRAP,
        topic_for(event.event_type, topic_prefix),
        [(event.participant_id.encode(), event.model_dump_json().encode())],
    )

    async def activated() -> Any:
        found = published.of(event.participant_id, "ParticipantActivated")
        return found[0] if found else None

    card: str = (await eventually(activated, timeout=30)).payload.no_kartu
    return event.participant_id, card


async def bpjs_changes(sim_admin: httpx.AsyncClient, card: str, **change: str) -> None:
    (await sim_admin.post(f"/_sim/peserta/{card}/status", json=change)).raise_for_status()


async def sync_pass(gateway: httpx.AsyncClient) -> dict[str, int]:
    reply = await gateway.post("/sync")
    assert reply.status_code == 200, reply.text
    counts: dict[str, int] = reply.json()
    return counts


async def changes_stated(runtime: ServiceRuntime, participant_id: str) -> int:
    """PesertaStatusChanged events in the outbox (written before /sync answers)."""
    count: int = await runtime.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE key = $1 AND event_type = 'PesertaStatusChanged'",
        participant_id,
    )
    return count


async def published_changes(published: Collector, participant_id: str, expect: int) -> list[Any]:
    async def arrived() -> list[Any]:
        found = published.of(participant_id, "PesertaStatusChanged")
        return found if len(found) >= expect else []

    return await eventually(arrived, timeout=30)


@pytest.fixture(scope="module")
async def deceased(
    runtime: ServiceRuntime,
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> tuple[str, str]:
    """An activated participant whom BPJS then records as dead (status 2)."""
    participant_id, card = await activate(topic_prefix, published)
    await bpjs_changes(sim_admin, card, statusPeserta="2")
    return participant_id, card


async def test_a_death_recorded_at_bpjs_is_stated_once_by_a_sync_pass(
    runtime: ServiceRuntime,
    published: Collector,
    gateway: httpx.AsyncClient,
    deceased: tuple[str, str],
) -> None:
    participant_id, card = deceased
    deaths_before = SYNC_CHANGES.labels("meninggal")._value.get()

    counts = await sync_pass(gateway)

    assert counts["changed"] == 1
    assert counts["checked"] == sum(v for k, v in counts.items() if k != "checked")
    (change,) = await published_changes(published, participant_id, expect=1)
    assert change.producer == "bpjs-gateway"
    assert change.payload.current.no_kartu == card
    assert (change.payload.current.status_kode, change.payload.current.status) == (
        "2",
        "Meninggal",
    )
    assert change.payload.current.jenis_peserta_kode == "22"
    assert (change.payload.previous.status_kode, change.payload.previous.jenis_peserta_kode) == (
        "0",
        "22",
    )
    assert SYNC_CHANGES.labels("meninggal")._value.get() == deaths_before + 1


async def test_the_same_bpjs_state_seen_again_emits_nothing(
    runtime: ServiceRuntime,
    published: Collector,
    gateway: httpx.AsyncClient,
    deceased: tuple[str, str],
) -> None:
    participant_id, _ = deceased

    counts = await sync_pass(gateway)

    assert counts["changed"] == 0
    assert counts["unchanged"] >= 1
    assert await changes_stated(runtime, participant_id) == 1
    view = (await gateway.get(f"/participants/{participant_id}")).json()
    assert view["status"] == "active"  # the gateway reports; the city decides what follows


async def test_a_move_to_segment_13_is_stated_once_even_by_two_racing_passes(
    runtime: ServiceRuntime,
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
    bpjs: BpjsClient,
) -> None:
    participant_id, card = await activate(topic_prefix, published)
    await bpjs_changes(sim_admin, card, statusPeserta="0", jenisPeserta="13")
    settings = GatewaySettings(bpjs_base_url="http://unused")
    # Two syncs without a shared in-process lock, as two replicas: the row lock decides.
    first, second = build_sync(runtime, bpjs, settings), build_sync(runtime, bpjs, settings)

    reports = await asyncio.gather(first.run_once(), second.run_once())

    assert sum(r["changed"] for r in reports) == 1
    (change,) = await published_changes(published, participant_id, expect=1)
    assert change.payload.previous.jenis_peserta_kode == "22"
    assert change.payload.current.jenis_peserta_kode == "13"
    assert change.payload.current.status_kode == "0"
    assert await changes_stated(runtime, participant_id) == 1


async def test_while_bpjs_is_unavailable_cards_are_skipped_and_the_next_pass_finds_the_change(
    runtime: ServiceRuntime,
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
) -> None:
    participant_id, card = await activate(topic_prefix, published)
    await bpjs_changes(sim_admin, card, statusPeserta="9")
    (await sim_admin.post("/_sim/faults", json={"http_500_rate": 1.0})).raise_for_status()
    try:
        during_outage = await sync_pass(gateway)
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    assert during_outage["skipped"] == during_outage["checked"] > 0
    assert await changes_stated(runtime, participant_id) == 0

    # the look-up breaker may have opened: the next passes skip until it lets a probe through
    after = await eventually(lambda: pass_with_no_card_skipped(gateway), timeout=60)

    assert after["changed"] == 1
    (change,) = await published_changes(published, participant_id, expect=1)
    assert change.payload.current.status_kode == "9"


async def pass_with_no_card_skipped(gateway: httpx.AsyncClient) -> dict[str, int] | None:
    counts = await sync_pass(gateway)
    return counts if counts["skipped"] == 0 else None


def card_look_ups() -> float:
    """Look-ups by card that reached the BPJS client (the breaker lets none through open)."""
    return sum(
        BPJS_CALLS.labels("peserta_by_card", outcome)._value.get()
        for outcome in ("ok", "not_found", "unavailable", "refused", "protocol_error")
    )


async def test_a_pass_during_an_outage_stops_calling_bpjs_once_the_look_up_breaker_opens(
    topic_prefix: str,
    published: Collector,
    sim_admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
) -> None:
    settings = GatewaySettings()
    cards = [
        await activate(topic_prefix, published) for _ in range(3 * settings.bpjs_breaker_threshold)
    ]
    await eventually(lambda: pass_with_no_card_skipped(gateway), timeout=60)  # breaker closed
    before = card_look_ups()
    (await sim_admin.post("/_sim/faults", json={"http_500_rate": 1.0})).raise_for_status()
    try:
        during_outage = await sync_pass(gateway)
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    called = card_look_ups() - before
    assert during_outage["skipped"] == during_outage["checked"] >= len(cards)
    # the breaker opened after `threshold` failures; the calls already started finished
    assert called <= settings.bpjs_breaker_threshold + settings.sync_concurrency
    assert called < during_outage["checked"], "BPJS was not asked for every card"
    # and once BPJS is back, a pass after the cool-down looks every card up again
    assert await eventually(lambda: pass_with_no_card_skipped(gateway), timeout=60)
