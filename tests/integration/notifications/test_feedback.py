"""The feedback channel against the real Postgres: items get a tracking number and a code,
reach the agency in charge, are answered only by it, and their senders are told."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from jkn_bus import BusSettings
from jkn_bus.limits import FailureLimiter
from jkn_devstack.tokens import DevTokenAuth
from notifications.adapters import messages
from notifications.adapters.channels import sink_copy
from notifications.app.handlers import Routing
from notifications.bootstrap import build_app, build_runtime
from notifications.domain.webhook_signatures import sms_signature, whatsapp_signature
from notifications.settings import DEV_SMS_WEBHOOK_SECRET, DEV_WHATSAPP_APP_SECRET
from prometheus_client import REGISTRY
from support.polling import eventually

pytestmark = pytest.mark.infra

# The agency acting is the one the agent's token names (jkn_contracts.access).
AGENT = {
    "dinsos": DevTokenAuth("dewi.cs-dinsos"),
    "dinkes": DevTokenAuth("eko.cs-dinkes"),
    "bpjs-gateway": DevTokenAuth("fajar.cs-bpjs"),
}
AUDITOR = DevTokenAuth("hana.auditor")

PHONE = "+6281299990001"
START = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Monday 2 March 2026, 10:00 WIB


class Clock:
    """The feedback channel's clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
async def app(notifications_settings: BusSettings, clock: Clock) -> AsyncIterator[FastAPI]:
    route = Routing("dev_sink")
    application = build_app(
        build_runtime(notifications_settings, route), route,
        dispatch_poll_interval_s=0.1, feedback_clock=clock,
    )  # fmt: skip
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://notifications"
    ) as c:
        yield c


@pytest.fixture(autouse=True)
def start_of_test(clock: Clock) -> None:
    clock.now = START


def _pool(app: FastAPI) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.runtime.pool
    return pool


def form(**fields: Any) -> dict[str, Any]:
    return {"kind": "pertanyaan", "topic": "verifikasi_kuota",
            "message": "Kapan usulan saya diverifikasi?", **fields}  # fmt: skip


async def submit(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    reply = await client.post("/feedback", json=form(**fields))
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


def signed(
    channel: str, delivery: dict[str, Any], *, at: datetime = START, secret: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``delivery`` as its provider sends it at ``at``: WhatsApp
    (Meta) signs the body and dates the message in it; the SMS gateway signs the time
    stamp header and the body."""
    stamp = str(int(at.timestamp()))
    if channel == "whatsapp":
        body = json.dumps({**delivery, "timestamp": stamp}).encode()
        signature = whatsapp_signature(secret or DEV_WHATSAPP_APP_SECRET, body)
        return body, {"x-hub-signature-256": signature}
    body = json.dumps(delivery).encode()
    signature = sms_signature(secret or DEV_SMS_WEBHOOK_SECRET, stamp, body)
    return body, {"x-timestamp": stamp, "x-signature": signature}


async def deliver(
    client: httpx.AsyncClient, channel: str, delivery: dict[str, Any], **how: Any
) -> httpx.Response:
    """A provider's webhook call, signed as that provider signs it."""
    body, headers = signed(channel, delivery, **how)
    return await client.post(
        f"/feedback/inbound/{channel}",
        content=body,
        headers={"content-type": "application/json", **headers},
    )


async def sink_of(app: FastAPI, tracking: str, count: int) -> list[dict[str, Any]] | None:
    """The item's replies the sink holds (opened), with the template and the body the
    messages table keeps (``stored``)."""
    columns = app.state.at_rest
    # the channel (the sink) has a message before the dispatcher marks it sent: wait for
    # the mark, which masks a carried code in the same commit
    replies = [
        m
        for m in await messages.for_feedback(_pool(app), columns, tracking)
        if m["status"] != "pending"
    ]
    rows = []
    for m in replies:
        copy = await sink_copy(_pool(app), columns, m["message_id"])
        if copy is not None:
            rows.append({**copy, "template": m["template"], "stored": m["body"]})
    return rows if len(rows) == count else None


async def test_a_question_gets_a_tracking_number_code_agency_and_due_date(
    client: httpx.AsyncClient,
) -> None:
    receipt = await submit(client)

    assert receipt["tracking_number"].startswith("TNY-2026-")
    assert receipt["agency"] == "dinkes"
    assert receipt["due_date"] == "2026-03-05"  # three calendar days
    assert len(receipt["access_code"]) == 8


async def test_the_status_is_shown_only_with_the_access_code(client: httpx.AsyncClient) -> None:
    receipt = await submit(client, kind="pengaduan", topic="kartu_faskes")
    number, code = receipt["tracking_number"], receipt["access_code"]

    found = await client.get(f"/feedback/{number}", params={"code": code.lower()})
    without = await client.get(f"/feedback/{number}")
    wrong = await client.get(f"/feedback/{number}", params={"code": "AAAAAAAA"})
    unknown = await client.get("/feedback/ADU-2026-999999", params={"code": code})

    assert found.status_code == 200
    status = found.json()
    assert (status["kind"], status["topic"], status["agency"], status["status"]) == (
        "pengaduan", "kartu_faskes", "bpjs-gateway", "received",
    )  # fmt: skip
    assert (status["due_date"], status["overdue"], status["answer"]) == ("2026-03-07", False, None)
    assert [h["action"] for h in status["history"]] == ["received"]
    assert "message" not in status
    assert without.status_code == wrong.status_code == unknown.status_code == 404
    assert without.json() == wrong.json() == unknown.json()


async def test_failed_status_look_ups_are_rate_limited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    number = (await submit(client))["tracking_number"]
    kept = app.state.feedback_limiter
    app.state.feedback_limiter = FailureLimiter(2)
    try:
        answers = [
            (await client.get(f"/feedback/{number}", params={"code": "WRONG234"})).status_code
            for _ in range(3)
        ]
    finally:
        app.state.feedback_limiter = kept

    assert answers == [404, 404, 429]


async def test_a_webhook_delivered_twice_makes_one_item_and_one_reply(
    app: FastAPI, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Komplain: kartu BPJS saya belum sampai, rumah saya di Jl. Uji 7"
    delivery = {"message_id": "wamid.HBgL001", "from": PHONE, "text": text}
    caplog.set_level(logging.DEBUG)

    first = await deliver(client, "whatsapp", delivery)
    again = await deliver(client, "whatsapp", delivery)  # a replay within the window

    assert (first.status_code, again.status_code) == (201, 200)
    number = first.json()["tracking_number"]
    assert number.startswith("ADU-2026-")
    assert again.json() == {**first.json(), "duplicate": True}
    assert first.json()["agency"] == "bpjs-gateway"
    assert "access_code" not in first.json()  # the code travels only to the sender
    items = await _pool(app).fetchval(
        "SELECT count(*) FROM feedback WHERE inbound_message_id = 'wamid.HBgL001'"
    )
    assert items == 1
    [reply] = await eventually(lambda: sink_of(app, number, 1))
    assert (reply["channel"], reply["address"], reply["template"]) == (
        "whatsapp", PHONE, "feedback_received",
    )  # fmt: skip
    assert f"Nomor pelacakan: {number}" in reply["body"]
    assert "Batas waktu tanggapan: 7 Maret 2026" in reply["body"]
    code = reply["body"].split("Kode akses: ")[1][:8]
    assert (await client.get(f"/feedback/{number}", params={"code": code})).status_code == 200
    # Once sent, the stored message keeps no copy of the code; the item only its hash.
    assert code not in reply["stored"]
    assert "Kode akses: ********" in reply["stored"]
    # What the service logged (not the test's own HTTP client, which logs its URLs).
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records if r.name != "httpx")
    assert number in logged
    assert PHONE not in logged
    assert "Jl. Uji 7" not in logged
    assert code not in logged


async def test_the_same_message_id_on_another_channel_is_another_item(
    client: httpx.AsyncClient,
) -> None:
    delivery = {"message_id": "same-id-1", "from": PHONE, "text": "Terima kasih"}
    sms = await deliver(client, "sms", delivery)
    whatsapp = await deliver(client, "whatsapp", delivery)

    assert (sms.status_code, whatsapp.status_code) == (201, 201)
    assert sms.json()["tracking_number"] != whatsapp.json()["tracking_number"]
    assert sms.json()["tracking_number"].startswith("MSK-")


def _refusals(channel: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "jkn_webhook_refused_total", {"channel": channel, "reason": reason}
    )
    return value or 0.0


async def _items_of(app: FastAPI, message_id: str) -> int:
    count: int = await _pool(app).fetchval(
        "SELECT count(*) FROM feedback WHERE inbound_message_id = $1", message_id
    )
    return count


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_webhook_calls_not_signed_by_the_provider_are_refused_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, channel: str
) -> None:
    delivery = {"message_id": f"forged-{channel}", "from": PHONE, "text": "Komplain palsu"}
    body, headers = signed(channel, delivery)
    before = {r: _refusals(channel, r) for r in ("SIGNATURE_MISSING", "SIGNATURE_INVALID")}

    unsigned = await client.post(
        f"/feedback/inbound/{channel}",
        content=body,
        headers={"content-type": "application/json"}
        | {k: v for k, v in headers.items() if k == "x-timestamp"},
    )
    forged = await deliver(client, channel, delivery, secret="not-the-provider-s-secret")  # noqa: S106
    tampered = await client.post(
        f"/feedback/inbound/{channel}",
        content=body.replace(b"palsu", b"asli!"),
        headers={"content-type": "application/json", **headers},
    )

    assert (unsigned.status_code, unsigned.json()) == (
        401, {"error": "UNAUTHENTICATED", "reason": "SIGNATURE_MISSING"},
    )  # fmt: skip
    assert (forged.status_code, forged.json()["reason"]) == (401, "SIGNATURE_INVALID")
    assert (tampered.status_code, tampered.json()["reason"]) == (401, "SIGNATURE_INVALID")
    assert await _items_of(app, f"forged-{channel}") == 0
    assert _refusals(channel, "SIGNATURE_MISSING") == before["SIGNATURE_MISSING"] + 1
    assert _refusals(channel, "SIGNATURE_INVALID") == before["SIGNATURE_INVALID"] + 2


@pytest.mark.parametrize("channel", ["sms", "whatsapp"])
async def test_a_genuine_call_replayed_after_the_window_is_refused_as_stale(
    app: FastAPI, client: httpx.AsyncClient, clock: Clock, channel: str
) -> None:
    delivery = {"message_id": f"replayed-{channel}", "from": PHONE, "text": "Pertanyaan lama"}
    body, headers = signed(channel, delivery, at=START)  # recorded by an eavesdropper
    before = _refusals(channel, "TIMESTAMP_STALE")
    clock.now = START + timedelta(minutes=5, seconds=1)  # the window is 5 minutes

    replayed = await client.post(
        f"/feedback/inbound/{channel}",
        content=body,
        headers={"content-type": "application/json", **headers},
    )

    assert (replayed.status_code, replayed.json()["reason"]) == (401, "TIMESTAMP_STALE")
    assert await _items_of(app, f"replayed-{channel}") == 0
    assert _refusals(channel, "TIMESTAMP_STALE") == before + 1
    # the same message, freshly signed by the provider (a genuine redelivery), is taken
    fresh = await deliver(client, channel, delivery, at=clock.now)
    assert fresh.status_code == 201


async def test_a_whatsapp_call_without_the_message_time_is_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    body = json.dumps({"message_id": "undated-1", "from": PHONE, "text": "Halo"}).encode()
    reply = await client.post(
        "/feedback/inbound/whatsapp",
        content=body,
        headers={"content-type": "application/json",
                 "x-hub-signature-256": whatsapp_signature(DEV_WHATSAPP_APP_SECRET, body)},
    )  # fmt: skip

    assert (reply.status_code, reply.json()["reason"]) == (401, "TIMESTAMP_MISSING")
    assert await _items_of(app, "undated-1") == 0


async def test_the_agency_in_charge_answers_and_the_sender_is_told(
    app: FastAPI, client: httpx.AsyncClient, clock: Clock
) -> None:
    receipt = await submit(client, reply_to={"channel": "email", "address": "warga@contoh.id"})
    number, code = receipt["tracking_number"], receipt["access_code"]
    clock.now = START + timedelta(days=1)

    answered = await client.post(
        f"/feedback/{number}/answer",
        json={"answer": "Usulan Anda diverifikasi minggu ini."},
        auth=AGENT["dinkes"],
    )

    assert answered.status_code == 200
    assert answered.json()["status"] == "answered"
    status = (await client.get(f"/feedback/{number}", params={"code": code})).json()
    assert status["status"] == "answered"
    assert status["answer"] == {
        "text": "Usulan Anda diverifikasi minggu ini.",
        "answered_at": "2026-03-03T03:00:00+00:00",
    }
    assert status["overdue"] is False
    assert [h["action"] for h in status["history"]] == ["received", "answered"]
    received, told = await eventually(lambda: sink_of(app, number, 2))
    assert (received["template"], told["template"]) == ("feedback_received", "feedback_answered")
    assert (told["channel"], told["address"]) == ("email", "warga@contoh.id")
    assert "Usulan Anda diverifikasi minggu ini." in told["body"]
    assert "Dinas Kesehatan" in told["body"]


async def test_another_agency_may_not_answer_and_no_item_is_answered_twice(
    client: httpx.AsyncClient,
) -> None:
    number = (await submit(client))["tracking_number"]
    by = {"answer": "Jawaban."}

    wrong = await client.post(f"/feedback/{number}/answer", json=by, auth=AGENT["dinsos"])
    right = await client.post(f"/feedback/{number}/answer", json=by, auth=AGENT["dinkes"])
    twice = await client.post(f"/feedback/{number}/answer", json=by, auth=AGENT["dinkes"])
    unknown = await client.post("/feedback/TNY-2026-999999/answer", json=by, auth=AGENT["dinkes"])

    assert (wrong.status_code, wrong.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    assert right.status_code == 200
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["rule"] == "ALREADY_ANSWERED"
    assert unknown.status_code == 404


async def test_a_misrouted_item_is_rerouted_keeping_its_due_date(
    client: httpx.AsyncClient,
) -> None:
    receipt = await submit(client, topic="lainnya", message="Kuota penuh, saya antre?")
    number, code = receipt["tracking_number"], receipt["access_code"]
    assert receipt["agency"] == "dinsos"
    move = {"to_agency": "dinkes", "reason": "soal kuota"}

    moved = await client.post(f"/feedback/{number}/reroute", json=move, auth=AGENT["dinsos"])
    stale = await client.post(f"/feedback/{number}/reroute", json=move, auth=AGENT["dinsos"])
    old_owner = await client.post(
        f"/feedback/{number}/answer", json={"answer": "x"}, auth=AGENT["dinsos"]
    )

    assert (moved.status_code, moved.json()["agency"]) == (200, "dinkes")
    assert (stale.status_code, stale.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    assert (old_owner.status_code, old_owner.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    status = (await client.get(f"/feedback/{number}", params={"code": code})).json()
    assert (status["agency"], status["due_date"]) == ("dinkes", receipt["due_date"])
    assert [(h["action"], h["agency"], h["detail"]) for h in status["history"]] == [
        ("received", "dinsos", None),
        ("rerouted", "dinkes", "soal kuota"),
    ]


async def test_an_agency_works_its_queue_oldest_due_date_first_with_overdue_flags(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    complaint = await submit(
        client, kind="pengaduan", reply_to={"channel": "sms", "address": PHONE}
    )
    clock.now = START + timedelta(days=1)
    question = await submit(client, kind="pertanyaan")
    remark = await submit(client, kind="masukan")
    clock.now = START + timedelta(days=6)  # the question (due 6 March) and complaint are late

    queue = (await client.get("/feedback", auth=AGENT["dinkes"])).json()

    mine = {complaint["tracking_number"], question["tracking_number"], remark["tracking_number"]}
    items = [i for i in queue["items"] if i["tracking_number"] in mine]
    assert [(i["tracking_number"], i["due_date"], i["overdue"]) for i in items] == [
        (question["tracking_number"], "2026-03-06", True),
        (complaint["tracking_number"], "2026-03-07", True),
        (remark["tracking_number"], "2026-03-17", False),
    ]
    due_dates = [i["due_date"] for i in queue["items"]]
    assert due_dates == sorted(due_dates)
    assert PHONE not in str(queue)
    assert items[0]["message"] == "Kapan usulan saya diverifikasi?"


async def test_the_queue_refuses_an_unknown_agency_without_echoing_it(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.get("/feedback", params={"agency": "kelurahan-x"}, auth=AUDITOR)
    assert reply.status_code == 422
    assert "kelurahan-x" not in reply.text


async def test_a_web_form_with_problems_is_refused_naming_each_without_the_values(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.post(
        "/feedback",
        json={"kind": "keluhan", "topic": "lainnya", "message": "",
              "reply_to": {"channel": "sms", "address": "08-RAHASIA"}},
    )  # fmt: skip

    assert reply.status_code == 422
    assert {(e["field"], e["rule"]) for e in reply.json()["errors"]} == {
        ("kind", "KIND_UNKNOWN"),
        ("message", "REQUIRED"),
        ("reply_to.address", "PHONE_INVALID"),
    }
    assert "RAHASIA" not in reply.text


async def test_the_feedback_series_are_exposed_with_open_and_overdue_per_agency(
    client: httpx.AsyncClient, clock: Clock
) -> None:
    await submit(client, topic="usulan_kepesertaan", kind="pertanyaan")
    clock.now = START + timedelta(days=30)  # everything still open is overdue now

    text = (await client.get("/metrics", auth=DevTokenAuth("ops.kominfo"))).text

    assert 'jkn_feedback_received_total{channel="web",kind="pertanyaan"}' in text
    assert 'jkn_feedback_received_total{channel="whatsapp",kind="pengaduan"}' in text
    open_dinsos = _sample(text, 'jkn_feedback_open{agency="dinsos"}')
    assert open_dinsos >= 1
    assert _sample(text, 'jkn_feedback_overdue{agency="dinsos"}') == open_dinsos


def _sample(exposition: str, series: str) -> float:
    [line] = [line for line in exposition.splitlines() if line.startswith(series + " ")]
    return float(line.rsplit(" ", 1)[1])
