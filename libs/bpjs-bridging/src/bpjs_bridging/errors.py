"""Errors of the bridging protocol."""

from __future__ import annotations

__all__ = ["BridgingDecryptError"]


class BridgingDecryptError(ValueError):
    """A BPJS response could not be decrypted, decompressed or parsed.

    Usual causes: the key was derived from a timestamp other than the exact
    ``X-timestamp`` string sent, a wrong consumer secret, or a body corrupted in transit.
    The message never contains the payload, which may hold personal data.
    """
