"""Pseudonyms for the simulator's logs: a NIK or a name never appears there in clear."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["log_pseudonym"]


def log_pseudonym(secret: str, value: str) -> str:
    """A short keyed hash of ``value``, stable for one set of credentials."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:12]
