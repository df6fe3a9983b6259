"""The webhook routes' dependency (notifications.entrypoints.webhooks) on a tiny app: the
handler runs only for a genuine, fresh call; a refusal is 401 with its reason code,
counted by channel and reason. (The channel itself, with Postgres: tests/integration.)"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Literal

import httpx
import pytest
from fastapi import FastAPI
from notifications.domain.webhook_signatures import sms_signature, whatsapp_signature
from notifications.entrypoints.webhooks import SignedWebhook, install_webhook_verification
from notifications.settings import WebhookSettings
from prometheus_client import REGISTRY

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
SETTINGS = WebhookSettings(
    whatsapp_app_secret="wa-secret",  # noqa: S106 - a test credential
    sms_webhook_secret="sms-secret",  # noqa: S106 - a test credential
    webhook_max_age_s=300,
)


@pytest.fixture
async def client() -> AsyncIterator[tuple[httpx.AsyncClient, list[bytes]]]:
    handled: list[bytes] = []
    app = FastAPI()
    install_webhook_verification(app, SETTINGS, lambda: NOW)

    @app.post("/inbound/{channel}")
    async def inbound(channel: Literal["sms", "whatsapp"], body: SignedWebhook) -> dict[str, str]:
        handled.append(body)
        return {"channel": channel}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://n") as c:
        yield c, handled


def refusals(channel: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "jkn_webhook_refused_total", {"channel": channel, "reason": reason}
    )
    return value or 0.0


def whatsapp(at: datetime = NOW) -> bytes:
    return json.dumps({"message_id": "m", "timestamp": str(int(at.timestamp()))}).encode()


async def test_a_genuine_whatsapp_call_reaches_the_handler_with_its_raw_body(
    client: tuple[httpx.AsyncClient, list[bytes]],
) -> None:
    c, handled = client
    body = whatsapp()
    reply = await c.post(
        "/inbound/whatsapp",
        content=body,
        headers={"X-Hub-Signature-256": whatsapp_signature("wa-secret", body)},
    )
    assert reply.status_code == 200
    assert handled == [body]


async def test_a_genuine_sms_call_reaches_the_handler(
    client: tuple[httpx.AsyncClient, list[bytes]],
) -> None:
    c, handled = client
    body, stamp = b'{"message_id": "s"}', str(int(NOW.timestamp()))
    reply = await c.post(
        "/inbound/sms",
        content=body,
        headers={"X-Timestamp": stamp, "X-Signature": sms_signature("sms-secret", stamp, body)},
    )
    assert reply.status_code == 200
    assert handled == [body]


@pytest.mark.parametrize(
    ("channel", "headers", "body", "reason"),
    [
        ("whatsapp", {}, whatsapp(), "SIGNATURE_MISSING"),
        (
            "whatsapp",
            {"X-Hub-Signature-256": whatsapp_signature("wa-secret-old", whatsapp())},
            whatsapp(),
            "SIGNATURE_INVALID",
        ),
        (
            "whatsapp",
            {
                "X-Hub-Signature-256": whatsapp_signature(
                    "wa-secret", whatsapp(NOW - timedelta(minutes=6))
                )
            },
            whatsapp(NOW - timedelta(minutes=6)),
            "TIMESTAMP_STALE",
        ),
        ("sms", {"X-Timestamp": "1772420400"}, b"{}", "SIGNATURE_MISSING"),
        (
            "sms",
            {"X-Signature": sms_signature("sms-secret", "1", b"{}")},
            b"{}",
            "TIMESTAMP_MISSING",
        ),
        (
            "sms",
            {
                "X-Timestamp": "1772420000",
                "X-Signature": sms_signature("sms-secret", "1772420000", b"{}"),
            },
            b"{}",
            "TIMESTAMP_STALE",
        ),
    ],
)
async def test_refusals_are_401_with_the_reason_and_counted(
    client: tuple[httpx.AsyncClient, list[bytes]],
    channel: str,
    headers: dict[str, str],
    body: bytes,
    reason: str,
) -> None:
    c, handled = client
    before = refusals(channel, reason)

    reply = await c.post(f"/inbound/{channel}", content=body, headers=headers)

    assert reply.status_code == 401
    assert reply.json() == {"error": "UNAUTHENTICATED", "reason": reason}
    assert handled == []
    assert refusals(channel, reason) == before + 1
