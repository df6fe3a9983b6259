"""Tracking numbers and access codes of feedback items.

The tracking number is what a resident quotes on the phone: readable, kind-prefixed,
unique (one database sequence behind every kind), e.g. ``ADU-2026-000042``. It is no
secret: an agency's queue lists it. The access code is the second factor of the status
query, drawn at random; only its SHA-256 is stored (as enrollment stores receipt codes).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from notifications.domain.feedback import Kind

__all__ = [
    "ACCESS_CODE_ALPHABET",
    "TRACKING_PATTERN",
    "access_hash",
    "code_matches",
    "is_tracking_number",
    "new_access_code",
    "tracking_number",
]

_PREFIX: Mapping[Kind, str] = {"pengaduan": "ADU", "pertanyaan": "TNY", "masukan": "MSK"}
TRACKING_PATTERN = r"^(ADU|TNY|MSK)-[0-9]{4}-[0-9]{6,}$"
_TRACKING = re.compile(TRACKING_PATTERN)

# No 0/O, 1/I/L: a code read out over the phone or typed from an SMS survives.
ACCESS_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8  # 31^8 ≈ 8.5 * 10^11, and failed look-ups are rate-limited


def tracking_number(kind: Kind, year: int, sequence: int) -> str:
    """``tracking_number("pengaduan", 2026, 42)`` -> ``"ADU-2026-000042"``."""
    return f"{_PREFIX[kind]}-{year:04d}-{sequence:06d}"


def is_tracking_number(value: str) -> bool:
    """Whether ``value`` is shaped like a tracking number (checked before any look-up)."""
    return _TRACKING.fullmatch(value) is not None


def new_access_code() -> str:
    """Eight characters from ``ACCESS_CODE_ALPHABET``, from the OS's CSPRNG."""
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def access_hash(code: str) -> bytes:
    """What is stored of an access code: enough to check it, not to show it. Case and
    surrounding blanks are forgiven (a code typed from an SMS)."""
    return hashlib.sha256(code.strip().upper().encode()).digest()


def code_matches(code: str | None, stored_hash: bytes) -> bool:
    """Whether ``code`` is the item's access code, in constant time."""
    return bool(code) and hmac.compare_digest(access_hash(code or ""), stored_hash)
