"""Is a webhook call really from the provider, and fresh? Pure checks of the signature
schemes of the two inbound channels; the HTTP dependency is ``entrypoints.webhooks``.

- **WhatsApp** (Meta WhatsApp Cloud API): ``X-Hub-Signature-256: sha256=<hex>``, the
  HMAC-SHA256 of the raw body under the app secret. The signature carries no time, so
  replays are bounded by the message's own ``timestamp`` (Unix seconds, as Meta sends it
  with every message): older than the window is refused, and a replay inside the window
  is the same provider message id, which the channel answers as a duplicate.
- **SMS gateway**: ``X-Timestamp: <Unix seconds>`` and ``X-Signature: <hex>``, the
  HMAC-SHA256 of ``"<X-Timestamp>.<raw body>"`` under the shared webhook secret; the
  timestamp must be within the window. The signed timestamp is the shape of Stripe's,
  Slack's and most SMS aggregators' webhook signatures (names of the headers vary; the
  gateway's configuration maps them).

A refusal is a reason code, never what was received.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Literal

__all__ = [
    "Reason",
    "check_sms",
    "check_whatsapp",
    "sms_signature",
    "whatsapp_message_time",
    "whatsapp_signature",
]

Reason = Literal["SIGNATURE_MISSING", "SIGNATURE_INVALID", "TIMESTAMP_MISSING", "TIMESTAMP_STALE"]


def _hmac_hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def _same(received: str, expected: str) -> bool:
    # bytes: compare_digest refuses non-ASCII str, and a header may hold anything
    return hmac.compare_digest(received.strip().encode(), expected.encode())


def _unix_seconds(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    digits = value.strip() if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 12:  # "²" is a digit to str
        return int(digits)
    return None


def whatsapp_signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + _hmac_hex(secret, body)


def sms_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Signature`` value the SMS gateway sends with ``body`` at ``timestamp``."""
    return _hmac_hex(secret, timestamp.encode() + b"." + body)


def whatsapp_message_time(body: bytes) -> int | None:
    """The message's ``timestamp`` (Unix seconds) of a webhook body; None if it has none."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return _unix_seconds(parsed.get("timestamp")) if isinstance(parsed, dict) else None


def _stale(sent_at: int, now: float, max_age_s: float) -> bool:
    # either way: a timestamp far in the future is as suspect as an old one
    return abs(now - sent_at) > max_age_s


def check_whatsapp(
    secret: str, signature: str | None, body: bytes, *, now: float, max_age_s: float
) -> Reason | None:
    """Why a WhatsApp webhook call is refused, or None when it is genuine and fresh."""
    if not signature:
        return "SIGNATURE_MISSING"
    if not _same(signature, whatsapp_signature(secret, body)):
        return "SIGNATURE_INVALID"
    sent_at = whatsapp_message_time(body)
    if sent_at is None:
        return "TIMESTAMP_MISSING"
    return "TIMESTAMP_STALE" if _stale(sent_at, now, max_age_s) else None


def check_sms(
    secret: str,
    signature: str | None,
    timestamp: str | None,
    body: bytes,
    *,
    now: float,
    max_age_s: float,
) -> Reason | None:
    """Why an SMS gateway webhook call is refused, or None when it is genuine and fresh."""
    if not signature:
        return "SIGNATURE_MISSING"
    sent_at = _unix_seconds(timestamp)
    if timestamp is None or sent_at is None:
        return "TIMESTAMP_MISSING"
    if not _same(signature, sms_signature(secret, timestamp.strip(), body)):
        return "SIGNATURE_INVALID"
    return "TIMESTAMP_STALE" if _stale(sent_at, now, max_age_s) else None
