"""Request signatures: ``X-signature = Base64(HMAC-SHA256(secret, cons_id + "&" + ts))``."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import time

__all__ = [
    "DEFAULT_MAX_DRIFT_S",
    "SignatureCheck",
    "check_signature",
    "headers",
    "signature",
    "verify_signature",
]

# BPJS does not publish its allowed clock drift; five minutes is what integrators assume.
DEFAULT_MAX_DRIFT_S = 300


def signature(cons_id: str, secret: str, ts: str) -> str:
    """Return the Base64 HMAC-SHA256 of ``cons_id&ts`` keyed with the consumer secret."""
    digest = hmac.new(secret.encode(), f"{cons_id}&{ts}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def headers(cons_id: str, secret: str, user_key: str, ts: str | None = None) -> dict[str, str]:
    """Return the four BPJS authentication headers for one request.

    ``ts`` defaults to the current Unix time in whole seconds. Keep the returned
    ``X-timestamp``: the response of this request is encrypted with exactly that string.
    """
    if ts is None:
        ts = str(int(time.time()))
    return {
        "X-cons-id": cons_id,
        "X-timestamp": ts,
        "X-signature": signature(cons_id, secret, ts),
        "user_key": user_key,
    }


class SignatureCheck(enum.Enum):
    """Outcome of :func:`check_signature`; only ``VALID`` may be served."""

    VALID = "valid"
    MALFORMED_TIMESTAMP = "malformed timestamp"
    CLOCK_DRIFT = "timestamp outside the allowed window"
    BAD_SIGNATURE = "signature does not match"


def check_signature(
    cons_id: str,
    secret: str,
    ts: str,
    received: str,
    *,
    max_drift_s: int = DEFAULT_MAX_DRIFT_S,
    now: float | None = None,
) -> SignatureCheck:
    """Check a received ``X-signature`` and that ``ts`` lies within ``max_drift_s`` of now."""
    if not ts.isascii() or not ts.isdigit():
        return SignatureCheck.MALFORMED_TIMESTAMP
    current = time.time() if now is None else now
    if abs(current - int(ts)) > max_drift_s:
        return SignatureCheck.CLOCK_DRIFT
    # Constant-time comparison: a timing leak would let a caller forge signatures.
    if not hmac.compare_digest(signature(cons_id, secret, ts).encode(), received.encode()):
        return SignatureCheck.BAD_SIGNATURE
    return SignatureCheck.VALID


def verify_signature(
    cons_id: str,
    secret: str,
    ts: str,
    received: str,
    *,
    max_drift_s: int = DEFAULT_MAX_DRIFT_S,
    now: float | None = None,
) -> bool:
    """Return True when :func:`check_signature` finds the signature valid and timely."""
    result = check_signature(cons_id, secret, ts, received, max_drift_s=max_drift_s, now=now)
    return result is SignatureCheck.VALID
