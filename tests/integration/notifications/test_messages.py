"""Messages to residents: decided once per event, sent through the sink, and stated."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from integration.notifications.conftest import BOOTSTRAP
from integration.notifications.events import activated, record, registered, resident
from jkn_bus import BusSettings, UnitOfWork
from jkn_bus.personal_data import LocalKeks
from jkn_bus.service import ServiceRuntime
from jkn_contracts import NotificationSent, ParticipantRegistered, parse_event
from jkn_devstack.tokens import DevTokenAuth
from notifications.adapters.at_rest import columns_for
from notifications.adapters.channels import sink_copy
from notifications.adapters.mailroom import sql_mailroom
from notifications.app.handlers import Routing, handlers
from notifications.bootstrap import build_app, build_runtime
from support.kafka import produce, read_topic
from support.polling import eventually
from support.sealed import SEALER, escrow

pytestmark = pytest.mark.infra

# the handlers' SQL mailroom, its columns under this process's KEKs and the sealer's keyring
MAILROOM = sql_mailroom(columns_for(LocalKeks.from_config(), SEALER.keyring))


@pytest.fixture(scope="module")
async def app(notifications_settings: BusSettings) -> AsyncIterator[FastAPI]:
    route = Routing("dev_sink")
    application = build_app(
        build_runtime(notifications_settings, route), route, dispatch_poll_interval_s=0.2
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://notifications",
        auth=DevTokenAuth("hana.auditor"),
    ) as c:
        yield c


async def _sent(client: httpx.AsyncClient, who: str, count: int) -> list[dict[str, Any]] | None:
    found = (await client.get("/messages", params={"participant_id": who})).json()["messages"]
    return found if len(found) == count and all(m["status"] == "sent" for m in found) else None


def _runtime(app: FastAPI) -> ServiceRuntime:
    runtime: ServiceRuntime = app.state.runtime
    return runtime


async def test_an_activation_delivered_twice_gives_one_message_naming_the_card_number(
    app: FastAPI, client: httpx.AsyncClient, topic_prefix: str
) -> None:
    first = registered(1)
    card = activated(first)
    await escrow()  # the residents' keys, as Dinas Sosial made them
    await produce(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", [record(first)])
    # The topics are read independently: in life an activation comes days after the
    # registration that gave us the contact; here we wait for it.
    await eventually(lambda: _sent(client, first.participant_id, 1))
    await produce(BOOTSTRAP, topic_prefix + "jkn.bpjs.participants", [record(card), record(card)])

    sent = await eventually(lambda: _sent(client, first.participant_id, 2))
    assert [m["template"] for m in sent] == ["participant_registered", "participant_activated"]
    assert {m["channel"] for m in sent} == {"whatsapp"}
    body = sent[1]["body"]
    assert "Nomor kartu BPJS Kesehatan: 0002345678901" in body
    assert "Puskesmas Putri Ayu" in body
    assert "1 Februari 2026" in body
    assert "Yth. Ibu Siti Warga 1," in body
    assert resident(1).nik not in body
    in_sink = await sink_copy(
        _runtime(app).pool, app.state.at_rest, uuid.UUID(sent[1]["message_id"])
    )
    assert in_sink is not None
    assert (in_sink["channel"], in_sink["address"]) == ("whatsapp", "+6281200000001")
    assert in_sink["body"] == body

    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.notifications.messages", expect=2)
    told = [parse_event(r.value) for r in records if r.key == first.participant_id.encode()]
    assert all(isinstance(e, NotificationSent) for e in told)
    about = {(e.payload.template, e.payload.status, e.causation_id) for e in told}  # type: ignore[union-attr]
    assert about == {
        ("participant_registered", "sent", first.event_id),
        ("participant_activated", "sent", card.event_id),
    }
    assert all(e.correlation_id == first.correlation_id for e in told)


async def test_the_same_event_handled_again_past_the_inbox_still_makes_one_message(
    app: FastAPI,
) -> None:
    who = registered(2, phone=None, email="warga2@contoh.id")
    handle = handlers(Routing("dev_sink"), SEALER, MAILROOM)
    runtime = _runtime(app)
    for _ in range(2):
        async with runtime.pool.acquire() as conn, conn.transaction():
            await handle[ParticipantRegistered](
                UnitOfWork(conn, topic_prefix=runtime.settings.jkn_topic_prefix, cause=who), who
            )

    rows = await runtime.pool.fetch(
        "SELECT channel FROM messages WHERE participant_id = $1", who.participant_id
    )
    assert [r["channel"] for r in rows] == ["email"]


async def test_a_resident_without_phone_or_email_is_told_through_the_sink_in_development(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    who = registered(3, phone=None, email=None)
    await escrow()  # the residents' keys, as Dinas Sosial made them
    await produce(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", [record(who)])

    sent = await eventually(lambda: _sent(client, who.participant_id, 1))
    assert [m["channel"] for m in sent] == ["dev_sink"]


async def test_the_summary_counts_messages_by_template_and_status(
    client: httpx.AsyncClient,
) -> None:
    async def counted() -> dict[str, Any] | None:
        summary = (await client.get("/messages/summary")).json()
        return summary if summary["totals"].get("sent", 0) >= 4 else None

    summary = await eventually(counted)
    assert {"template": "participant_activated", "status": "sent", "count": 1} in summary[
        "by_template"
    ]
