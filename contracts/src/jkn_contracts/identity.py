"""Pseudonyms for personal identifiers.

A participant is known on the bus by ``participant_id`` = "P" + the first 24 hex digits of
HMAC-SHA256(city pseudonym key, NIK). It is the Kafka key, the span attribute and the log
field; the NIK itself only travels inside payloads that need it (verification and BPJS
registration), never in keys, headers, logs or traces.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["participant_id_for", "pseudonym"]


def pseudonym(secret: str, value: str, *, length: int = 24) -> str:
    """Keyed, non-reversible pseudonym of ``value`` (hex, ``length`` digits)."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:length]


def participant_id_for(nik: str, secret: str) -> str:
    """The participant id of the resident with this NIK under the city's pseudonym key."""
    return "P" + pseudonym(secret, nik)
