"""Choosing how to reach a resident, and the service's channel settings."""

from __future__ import annotations

import uuid

import pytest
from notifications.adapters.channels import Delivery
from notifications.app.handlers import Routing
from notifications.bootstrap import routing
from notifications.domain import choose_channel


def test_a_phone_number_wins_over_an_email_address() -> None:
    assert choose_channel("+6281234567890", "a@contoh.id") == "whatsapp"
    assert choose_channel("+6281234567890", None, phone_channel="sms") == "sms"
    assert choose_channel(None, "a@contoh.id") == "email"
    assert choose_channel(None, None) is None


def test_development_routes_every_message_to_the_sink_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NOTIFY_CHANNEL", raising=False)
    monkeypatch.delenv("NOTIFY_PHONE_CHANNEL", raising=False)
    assert routing() == Routing("dev_sink", "whatsapp")


def test_an_unknown_channel_setting_stops_the_service_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NOTIFY_CHANNEL", "pigeon")
    with pytest.raises(ValueError, match="NOTIFY_CHANNEL"):
        routing()


def test_a_delivery_never_shows_the_address_or_the_text_in_logs() -> None:
    d = Delivery(uuid.uuid4(), "sms", "+6281234567890", "Subjek", "Yth. Ibu Siti")
    assert "+6281234567890" not in repr(d)
    assert "Siti" not in repr(d)
