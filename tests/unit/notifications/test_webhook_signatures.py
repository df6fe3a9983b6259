"""The providers' webhook signatures (notifications.domain.webhook_signatures): genuine and
fresh calls pass; unsigned, wrongly signed, undated and stale ones get a reason code."""

from __future__ import annotations

import hashlib
import hmac
import json

from notifications.domain.webhook_signatures import (
    check_sms,
    check_whatsapp,
    sms_signature,
    whatsapp_message_time,
    whatsapp_signature,
)

SECRET = "app-secret-of-the-test"  # noqa: S105 - a test credential
NOW = 1_772_420_400  # 2026-03-02 03:00 UTC
WINDOW = 300.0


def whatsapp_body(timestamp: object = NOW) -> bytes:
    return json.dumps(
        {"message_id": "wamid.1", "from": "+6281299990001", "text": "Halo",
         "timestamp": timestamp}
    ).encode()  # fmt: skip


def test_the_whatsapp_signature_is_meta_s_header_value() -> None:
    body = whatsapp_body()
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert whatsapp_signature(SECRET, body) == f"sha256={expected}"


def test_a_genuine_fresh_whatsapp_call_passes() -> None:
    body = whatsapp_body(str(NOW - 299))  # Meta sends the timestamp as a string
    assert check_whatsapp(
        SECRET, whatsapp_signature(SECRET, body), body, now=NOW, max_age_s=WINDOW
    ) is None  # fmt: skip


def test_whatsapp_refusals() -> None:
    body = whatsapp_body()

    def check(signature: str | None, payload: bytes = body) -> str | None:
        return check_whatsapp(SECRET, signature, payload, now=NOW, max_age_s=WINDOW)

    assert check(None) == "SIGNATURE_MISSING"
    assert check("") == "SIGNATURE_MISSING"
    assert check(whatsapp_signature("another-secret", body)) == "SIGNATURE_INVALID"
    assert check(whatsapp_signature(SECRET, body).removeprefix("sha256=")) == "SIGNATURE_INVALID"
    assert check("sha256=ü" + "0" * 63) == "SIGNATURE_INVALID"  # not even ASCII: no crash
    tampered = body.replace(b"Halo", b"Hal0")
    assert check(whatsapp_signature(SECRET, body), tampered) == "SIGNATURE_INVALID"
    stale = whatsapp_body(NOW - 301)
    assert check(whatsapp_signature(SECRET, stale), stale) == "TIMESTAMP_STALE"
    ahead = whatsapp_body(NOW + 3600)
    assert check(whatsapp_signature(SECRET, ahead), ahead) == "TIMESTAMP_STALE"
    for undated in (b'{"message_id": "x"}', b"[1, 2]", b"not json", whatsapp_body("soon")):
        assert check(whatsapp_signature(SECRET, undated), undated) == "TIMESTAMP_MISSING"


def test_the_message_time_is_unix_seconds_as_number_or_digits() -> None:
    assert whatsapp_message_time(whatsapp_body(NOW)) == NOW
    assert whatsapp_message_time(whatsapp_body(str(NOW))) == NOW
    assert whatsapp_message_time(whatsapp_body(True)) is None
    assert whatsapp_message_time(whatsapp_body(1.5)) is None
    assert whatsapp_message_time(whatsapp_body("\u00b2")) is None  # "²": a digit to str, not int


def test_the_sms_signature_covers_the_timestamp_and_the_body() -> None:
    body = b'{"message_id": "sms-1"}'
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert sms_signature(SECRET, str(NOW), body) == expected


def test_a_genuine_fresh_sms_call_passes() -> None:
    body = b'{"message_id": "sms-1"}'
    stamp = str(NOW + 120)
    signature = sms_signature(SECRET, stamp, body)
    assert check_sms(SECRET, signature, stamp, body, now=NOW, max_age_s=WINDOW) is None


def test_sms_refusals() -> None:
    body = b'{"message_id": "sms-1"}'
    stamp = str(NOW)
    good = sms_signature(SECRET, stamp, body)

    def check(signature: str | None, timestamp: str | None, payload: bytes = body) -> str | None:
        return check_sms(SECRET, signature, timestamp, payload, now=NOW, max_age_s=WINDOW)

    assert check(None, stamp) == "SIGNATURE_MISSING"
    assert check(good, None) == "TIMESTAMP_MISSING"
    assert check(good, "yesterday") == "TIMESTAMP_MISSING"
    assert check(sms_signature("another-secret", stamp, body), stamp) == "SIGNATURE_INVALID"
    assert check(good, str(NOW + 1)) == "SIGNATURE_INVALID"  # the timestamp is signed too
    assert check(good, stamp, body + b" ") == "SIGNATURE_INVALID"
    old = str(NOW - 301)
    assert check(sms_signature(SECRET, old, body), old) == "TIMESTAMP_STALE"
