"""Notifications' personal data at rest, against the real Postgres and Kafka: the contact,
the messages, the dev sink's copies and the public's feedback are sealed (a resident's under
their key, the feedback under the service's, bound to its tracking number); rows written in
clear before are sealed by the start-up backfill; the service's role reads no NIK, KK,
name, birth date, address, phone or e-mail in any table of its schema, while the routes
serve what they served; once Dinas Sosial destroys a resident's key their copies no longer
open."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from integration.notifications.conftest import BOOTSTRAP
from integration.notifications.events import record, registered, resident
from jkn_bus import BusSettings
from jkn_contracts import participant_id_for
from jkn_devstack.tokens import DevTokenAuth
from notifications.adapters import contacts
from notifications.adapters.at_rest import backfill
from notifications.adapters.channels import sink_copy
from notifications.app.handlers import Routing
from notifications.bootstrap import build_app, build_runtime
from support.kafka import produce
from support.polling import eventually
from support.sealed import KEYRING, escrow

pytestmark = pytest.mark.infra

AUDITOR = DevTokenAuth("hana.auditor")
DINKES_AGENT = DevTokenAuth("eko.cs-dinkes")


@pytest.fixture(scope="module")
async def app(notifications_settings: BusSettings) -> AsyncIterator[FastAPI]:
    route = Routing("dev_sink")
    application = build_app(
        build_runtime(notifications_settings, route), route, dispatch_poll_interval_s=0.1
    )
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://notifications"
    ) as c:
        yield c


def _pool(app: FastAPI) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.runtime.pool
    return pool


async def traces(url: str, values: list[str]) -> list[str]:
    """``table: value`` for each row of the role's schema whose text holds a value."""
    conn = await asyncpg.connect(url)  # the service's own role, as psql would be
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        found = []
        for t in tables:
            for value in values:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{t["table_name"]}" t WHERE t::text LIKE $1',  # noqa: S608
                    f"%{value}%",
                )
                if hit:
                    found.append(f"{t['table_name']}: {value}")
        return found
    finally:
        await conn.close()


async def _messages(client: httpx.AsyncClient, who: str) -> list[dict[str, Any]] | None:
    reply = await client.get("/messages", params={"participant_id": who}, auth=AUDITOR)
    found: list[dict[str, Any]] = reply.json()["messages"]
    return found if found and all(m["status"] == "sent" for m in found) else None


async def test_a_resident_s_contact_messages_and_sink_copies_are_sealed_and_served_opened(
    app: FastAPI, client: httpx.AsyncClient, topic_prefix: str, database: dict[str, str]
) -> None:
    who = resident(601, email="siti.601@contoh.id")
    event = registered(601, email="siti.601@contoh.id")
    await escrow()  # the resident's key, as Dinas Sosial made it
    await produce(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", [record(event)])

    sent = await eventually(lambda: _messages(client, event.participant_id))

    assert "Siti Warga 601" in sent[0]["body"]
    copy = await sink_copy(_pool(app), app.state.at_rest, uuid.UUID(sent[0]["message_id"]))
    assert copy is not None
    assert (copy["address"], copy["body"]) == (who.phone, sent[0]["body"])
    clear = [who.nik, who.kk, who.name, who.birth_date.isoformat(), who.address]
    clear += [who.phone or "", who.email or ""]
    assert await traces(database["notifications"], clear) == []

    await KEYRING.destroy(None, event.participant_id)
    await escrow()  # Dinas Sosial erased the resident: their key is destroyed

    async with _pool(app).acquire() as conn:
        contact = await contacts.get(conn, app.state.at_rest, event.participant_id)
    assert contact == contacts.StoredContact(None, None, None, None)
    after = (
        await client.get("/messages", params={"participant_id": event.participant_id}, auth=AUDITOR)
    ).json()["messages"]
    assert [(m["subject"], m["body"], m["status"]) for m in after] == [("", "", "sent")]
    copy = await sink_copy(_pool(app), app.state.at_rest, uuid.UUID(sent[0]["message_id"]))
    assert copy is not None
    assert (copy["address"], copy["body"]) == (None, None)


async def test_the_public_s_feedback_is_sealed_and_the_agency_still_reads_and_answers_it(
    app: FastAPI, client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    text = "Usulan ibu saya Rahmawati Feedback NIK 1571015501600007 belum diverifikasi?"
    sent = await client.post(
        "/feedback",
        json={"kind": "pertanyaan", "topic": "verifikasi_kuota", "message": text,
              "reply_to": {"channel": "email", "address": "rahma.feedback@contoh.id"}},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    number, code = sent.json()["tracking_number"], sent.json()["access_code"]

    queue = (await client.get("/feedback", params={"agency": "dinkes"}, auth=DINKES_AGENT)).json()
    assert [i["message"] for i in queue["items"] if i["tracking_number"] == number] == [text]
    answered = await client.post(
        f"/feedback/{number}/answer",
        json={"answer": "Sudah kami periksa, Ibu Rahmawati Feedback."},
        auth=DINKES_AGENT,
    )
    assert answered.status_code == 200, answered.text
    status = (await client.get(f"/feedback/{number}", params={"code": code})).json()
    assert status["answer"]["text"] == "Sudah kami periksa, Ibu Rahmawati Feedback."

    async def delivered() -> bool:
        return bool(
            await _pool(app).fetchval(
                "SELECT count(*) = 2 FROM sink s JOIN messages m USING (message_id)"
                " WHERE m.tracking_number = $1",
                number,
            )
        )

    await eventually(delivered)
    planted = ["Rahmawati Feedback", "1571015501600007", "rahma.feedback@contoh.id", code]
    assert await traces(database["notifications"], planted) == []


async def test_rows_written_in_clear_are_sealed_by_the_backfill_and_still_read(
    app: FastAPI, client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    known = participant_id_for("1571019901700011", "dev-only-pseudonym-key")
    unknown = participant_id_for("1571019901700012", "dev-only-pseudonym-key")
    KEYRING.create_now(known)  # `unknown` was proposed before the keyring: no key of theirs
    await escrow()
    pool = _pool(app)
    legacy = {known: ("Ani Legasi", "+6281299990011"), unknown: ("Budi Legasi", "+6281299990012")}
    ids = {}
    for pid, (name, phone) in legacy.items():
        await pool.execute(
            "INSERT INTO contacts (participant_id, name, sex, phone, email)"
            " VALUES ($1, $2, 'P', $3, NULL)",
            pid,
            name,
            phone,
        )
        ids[pid] = uuid.uuid4()
        await pool.execute(
            "INSERT INTO messages (message_id, idempotency_key, participant_id, correlation_id,"
            " about_event_id, about_event_type, template, subject, body, channel, status)"
            " VALUES ($1, $2, $3, $4, $4, 'ParticipantRegistered', 'participant_registered',"
            " 'Usulan diterima', $5, 'whatsapp', 'sent')",
            ids[pid],
            f"legacy:{ids[pid]}",
            pid,
            uuid.uuid4(),
            f"Yth. Ibu {name}, usulan Anda diterima.",
        )
        await pool.execute(
            "INSERT INTO sink (message_id, channel, address, subject, body)"
            " VALUES ($1, 'whatsapp', $2, 'Usulan diterima', $3)",
            ids[pid],
            phone,
            f"Yth. Ibu {name}, usulan Anda diterima.",
        )
    await pool.execute(
        "INSERT INTO feedback (tracking_number, access_hash, kind, topic, agency, status,"
        " channel, message, reply_channel, reply_address, received_at, due_date, answer,"
        " answered_by, answered_at) VALUES ('MSK-2025-990001', '\\x00', 'masukan', 'lainnya',"
        " 'dinsos', 'answered', 'web', 'Dari Citra Legasi', 'email', 'citra@contoh.id', now(),"
        " current_date, 'Terima kasih Ibu Citra Legasi', 'agen', now())"
    )
    planted = ["Ani Legasi", "Budi Legasi", "Citra Legasi", "+6281299990011", "+6281299990012"]
    planted.append("citra@contoh.id")
    assert await traces(database["notifications"], planted)

    await backfill(pool, app.state.at_rest).run_once()

    assert await traces(database["notifications"], planted) == []
    assert await backfill(pool, app.state.at_rest).run_once() == dict.fromkeys(
        ("contacts", "messages", "sink", "feedback"), 0
    )
    for pid, (name, phone) in legacy.items():
        async with pool.acquire() as conn:
            contact = await contacts.get(conn, app.state.at_rest, pid)
        assert contact == contacts.StoredContact(name, "P", phone, None)
        listed = (
            await client.get("/messages", params={"participant_id": pid}, auth=AUDITOR)
        ).json()["messages"]
        assert [m["body"] for m in listed] == [f"Yth. Ibu {name}, usulan Anda diterima."]
        copy = await sink_copy(pool, app.state.at_rest, ids[pid])
        assert copy is not None
        assert copy["address"] == phone
    queue = await client.get(
        "/feedback", params={"agency": "dinsos", "status": "answered"},
        auth=DevTokenAuth("dewi.cs-dinsos"),
    )  # fmt: skip
    items = [i for i in queue.json()["items"] if i["tracking_number"] == "MSK-2025-990001"]
    assert [i["message"] for i in items] == ["Dari Citra Legasi"]
