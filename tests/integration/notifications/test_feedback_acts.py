"""Every act is attributable: a feedback agent's answer or reroute is a fact on the bus
(FeedbackAnswered / FeedbackRerouted) naming the agent's actor id and agency, keyed by the
tracking number, written with the change — and never carrying the texts or the sender's
contact details."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from integration.notifications.conftest import BOOTSTRAP
from jkn_bus import BusSettings
from jkn_contracts import AnyEvent, FeedbackAnswered, FeedbackRerouted, topic_for
from notifications.app.handlers import Routing
from notifications.bootstrap import build_app, build_runtime
from support.dev_issuer import Callers, demo_callers
from support.kafka import Collector
from support.polling import eventually

pytestmark = pytest.mark.infra

PHONE = "+6281299990042"
COMPLAINT = "Kuota penuh terus, anak saya belum diverifikasi. Hubungi saya."
ANSWER = "Kuota tahun ini sudah ditambah; usulan Ibu sedang diproses."
REASON = "Soal usulan dari kelurahan, bukan verifikasi."


@pytest.fixture(scope="module")
async def callers(notifications_settings: BusSettings) -> Callers:
    return await demo_callers(actor_key=notifications_settings.jkn_pseudonym_key)


@pytest.fixture(scope="module")
async def app(notifications_settings: BusSettings, callers: Callers) -> AsyncIterator[FastAPI]:
    route = Routing("dev_sink")
    application = build_app(
        build_runtime(notifications_settings, route), route, dispatch_poll_interval_s=0.1
    )
    callers.protect(application, "notifications")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://notifications"
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def published(topic_prefix: str) -> AsyncIterator[Collector]:
    collector = Collector(BOOTSTRAP, topic_for("FeedbackAnswered", topic_prefix))
    await collector.start()
    yield collector
    await collector.stop()


async def complaint(client: httpx.AsyncClient) -> str:
    """A resident's complaint about the quota (routed to Dinkes); its tracking number."""
    sent = await client.post(
        "/feedback",
        json={
            "kind": "pengaduan",
            "topic": "verifikasi_kuota",
            "message": COMPLAINT,
            "reply_to": {"channel": "sms", "address": PHONE},
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["agency"] == "dinkes"
    number: str = sent.json()["tracking_number"]
    return number


async def act_on(published: Collector, number: str, event_type: str) -> AnyEvent:
    async def found() -> list[AnyEvent]:
        return [
            e
            for e in published.events
            if e.event_type == event_type and e.payload.tracking_number == number  # type: ignore[union-attr]
        ]

    (event,) = await eventually(found)
    return event


async def outbox_value(app: FastAPI, event_id: Any) -> tuple[str, str]:
    row = await app.state.runtime.pool.fetchrow(
        "SELECT key, convert_from(value, 'UTF8') AS value FROM outbox WHERE event_id = $1",
        event_id,
    )
    assert row is not None
    return row["key"], row["value"]


async def test_an_answer_is_a_fact_naming_the_answering_agent(
    app: FastAPI, client: httpx.AsyncClient, callers: Callers, published: Collector
) -> None:
    number = await complaint(client)

    answered = await client.post(
        f"/feedback/{number}/answer", json={"answer": ANSWER}, auth=callers.auth("eko.cs-dinkes")
    )

    assert answered.status_code == 200, answered.text
    event = await act_on(published, number, "FeedbackAnswered")
    assert isinstance(event, FeedbackAnswered)
    assert event.actor is not None
    assert event.actor.model_dump() == {
        "id": await callers.actor("eko.cs-dinkes"),
        "agency": "dinkes",
        "kind": "person",
    }
    assert event.participant_id is None
    assert (event.payload.tracking_number, event.payload.kind, event.payload.agency) == (
        number,
        "pengaduan",
        "dinkes",
    )
    assert event.payload.overdue is False
    key, value = await outbox_value(app, event.event_id)
    assert key == number
    for private in (ANSWER, COMPLAINT, PHONE):
        assert private not in value
    history = await app.state.runtime.pool.fetchval(
        "SELECT actor FROM feedback_history WHERE tracking_number = $1 AND action = 'answered'",
        number,
    )
    assert history == f"dinkes:{await callers.actor('eko.cs-dinkes')}"


async def test_a_reroute_is_a_fact_naming_the_agent_who_handed_the_item_on(
    app: FastAPI, client: httpx.AsyncClient, callers: Callers, published: Collector
) -> None:
    number = await complaint(client)

    rerouted = await client.post(
        f"/feedback/{number}/reroute",
        json={"to_agency": "dinsos", "reason": REASON},
        auth=callers.auth("eko.cs-dinkes"),
    )
    answered = await client.post(
        f"/feedback/{number}/answer", json={"answer": ANSWER}, auth=callers.auth("dewi.cs-dinsos")
    )

    assert (rerouted.status_code, answered.status_code) == (200, 200), answered.text
    handed_on = await act_on(published, number, "FeedbackRerouted")
    assert isinstance(handed_on, FeedbackRerouted)
    assert handed_on.actor is not None
    assert (handed_on.actor.id, handed_on.actor.agency) == (
        await callers.actor("eko.cs-dinkes"),
        "dinkes",
    )
    assert (handed_on.payload.agency, handed_on.payload.to_agency) == ("dinkes", "dinsos")
    _, value = await outbox_value(app, handed_on.event_id)
    assert REASON not in value
    final = await act_on(published, number, "FeedbackAnswered")
    assert final.actor is not None
    assert (final.actor.id, final.actor.agency) == (await callers.actor("dewi.cs-dinsos"), "dinsos")
    # one item's acts share its key and its correlation id
    assert final.correlation_id == handed_on.correlation_id


async def test_an_agent_of_another_agency_states_nothing(
    app: FastAPI, client: httpx.AsyncClient, callers: Callers
) -> None:
    number = await complaint(client)

    refused = await client.post(
        f"/feedback/{number}/answer", json={"answer": ANSWER}, auth=callers.auth("fajar.cs-bpjs")
    )

    assert refused.status_code == 403
    stated = await app.state.runtime.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE key = $1", number
    )
    assert stated == 0
