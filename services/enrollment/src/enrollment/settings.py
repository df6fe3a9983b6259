"""Settings of Dinas Sosial's service beside the bus's (``jkn_bus.BusSettings``).

``ENROLLMENT_RECEIPT_KEY`` keys the receipt codes residents use to query their proposal
(``app.proposals.receipt_code_for``). Only this service holds it: the pseudonym key
(``JKN_PSEUDONYM_KEY``) is shared by every service that sees the proposal ids, so codes
derived from it could be worked out outside Dinas Sosial. Set it to a long random secret
in production (``deploy/k8s/config.yaml``); the default is for development only.
"""

from __future__ import annotations

import os

__all__ = ["DEV_RECEIPT_KEY", "RECEIPT_KEY_ENV", "receipt_key"]

RECEIPT_KEY_ENV = "ENROLLMENT_RECEIPT_KEY"
DEV_RECEIPT_KEY = "dev-only-receipt-key"


def receipt_key() -> str:
    """The key of receipt codes (``ENROLLMENT_RECEIPT_KEY``)."""
    return os.environ.get(RECEIPT_KEY_ENV, DEV_RECEIPT_KEY)
