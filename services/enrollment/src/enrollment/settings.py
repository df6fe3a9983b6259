"""Settings of Dinas Sosial's service beside the bus's (``jkn_bus.BusSettings``).

``ENROLLMENT_RECEIPT_KEY`` keys the receipt codes residents use to query their proposal
(``app.proposals.receipt_code_for``). Only this service holds it: the pseudonym key
(``JKN_PSEUDONYM_KEY``) is shared by every service that sees the proposal ids, so codes
derived from it could be worked out outside Dinas Sosial. Set it to a long random secret
in production (``deploy/k8s/config.yaml``); the default is for development only.

Uploads have their own body limits (jkn_bus.body_limits; other routes take
``HTTP_MAX_BODY_BYTES``, 64 KiB): ``ENROLLMENT_IMPORT_MAX_BYTES`` (100 MiB) for ``POST
/imports``, ``ENROLLMENT_FINDINGS_MAX_BYTES`` (10 MiB; the findings reader also stops at
10 MB) and ``ENROLLMENT_SNAPSHOT_MAX_BYTES`` (200 MiB, a million-row DTKS/DTSEN snapshot
is about 100 MB) for ``POST /reconciliation/findings`` and ``/snapshots``.
"""

from __future__ import annotations

import os

__all__ = ["DEV_RECEIPT_KEY", "RECEIPT_KEY_ENV", "UPLOAD_LIMITS", "receipt_key", "upload_limits"]

RECEIPT_KEY_ENV = "ENROLLMENT_RECEIPT_KEY"
DEV_RECEIPT_KEY = "dev-only-receipt-key"


def receipt_key() -> str:
    """The key of receipt codes (``ENROLLMENT_RECEIPT_KEY``)."""
    return os.environ.get(RECEIPT_KEY_ENV, DEV_RECEIPT_KEY)


UPLOAD_LIMITS: dict[str, tuple[str, int]] = {
    "/imports": ("ENROLLMENT_IMPORT_MAX_BYTES", 100 << 20),
    "/reconciliation/findings": ("ENROLLMENT_FINDINGS_MAX_BYTES", 10 << 20),
    "/reconciliation/snapshots": ("ENROLLMENT_SNAPSHOT_MAX_BYTES", 200 << 20),
}
"""Upload route -> (its variable, its default body limit in bytes)."""


def upload_limits() -> dict[str, int]:
    """The body limit of each upload route, from its variable or its default."""
    limits = {}
    for path, (variable, default) in UPLOAD_LIMITS.items():
        value = int(os.environ.get(variable, str(default)))
        if value <= 0:
            raise ValueError(f"{variable} must be a positive number of bytes")
        limits[path] = value
    return limits
