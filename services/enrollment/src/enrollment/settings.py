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
is about 100 MB) for ``POST /reconciliation/findings`` and ``/snapshots``. Within them, no
cell may be longer than ``ENROLLMENT_CSV_MAX_CELL_CHARS`` (4,096 characters): such a row is
rejected with its line, field and rule (``domain.csv_import``).

``ENROLLMENT_ERASURE_AFTER_DAYS`` (1825: five years) is how long after a resident's last
proposal ended (once they were enrolled) their personal data is kept before an officer may
erase it (``app.erasure``): the years in which the city's premium payments for them are
audited and BPJS's monthly bills and *kurang* filings can still be disputed; the city's
legal office confirms the period. A resident never enrolled may be erased at once.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus import BusSettings
from jkn_bus.at_rest import ResidentColumns, ServiceColumns, ServiceKeys
from jkn_bus.keyring import Sealer, sealer_for

from enrollment.domain.csv_import import MAX_CELL_CHARS

__all__ = [
    "DEV_RECEIPT_KEY",
    "ERASURE_AFTER_ENV",
    "RECEIPT_KEY_ENV",
    "UPLOAD_LIMITS",
    "PinnedKeys",
    "candidate_columns",
    "csv_max_cell_chars",
    "erasure_after",
    "proposal_columns",
    "receipt_key",
    "sealer",
    "service_keys",
    "upload_limits",
]

RECEIPT_KEY_ENV = "ENROLLMENT_RECEIPT_KEY"
ERASURE_AFTER_ENV = "ENROLLMENT_ERASURE_AFTER_DAYS"
DEFAULT_ERASURE_AFTER_DAYS = 1825
DEV_RECEIPT_KEY = "dev-only-receipt-key"


@functools.cache
def sealer() -> Sealer:
    """Seals residents' personal fields into Dinas Sosial's events with their keys (created
    here: Dinas Sosial is the controller of the data), under the KEKs of ``JKN_KEK_FILE`` /
    ``JKN_KEKS`` (the dev KEK in dev)."""
    return sealer_for(BusSettings(service="enrollment").key_encryption_keys())


@functools.cache
def proposal_columns() -> ResidentColumns:
    """A proposal's personal columns, sealed under the resident's key from the sealer's own
    keyring (one set of keys): erasing the resident makes every copy unreadable."""
    return ResidentColumns(sealer().keyring, "proposals")


@dataclass
class PinnedKeys(ServiceKeys):
    """The service's data keys, the current one read once it is known committed (``pin``):
    a snapshot seals hundreds of thousands of candidates, and asking the database for the
    current key before each would double the work. The key's version never changes while
    the process runs (a KEK rotation re-wraps the same key)."""

    _pinned: tuple[int, bytes] | None = field(default=None, repr=False)

    async def pin(self, pool: asyncpg.Pool) -> None:
        """Read (create, the first time) the current key in a short transaction of its own,
        and keep it once committed: a key created in a transaction that then rolls back (a
        refused snapshot) never seals anything."""
        if self._pinned is None:
            async with pool.acquire() as pooled, pooled.transaction():
                # the proxy forwards every call to its Connection (as in jkn_bus.UnitOfWork)
                current = await super().current(cast(asyncpg.Connection, pooled))
            self._pinned = current

    async def current(
        self, conn: asyncpg.Connection | PoolConnectionProxy[Any]
    ) -> tuple[int, bytes]:
        return self._pinned or await super().current(cast(asyncpg.Connection, conn))


@functools.cache
def service_keys(database_url: str) -> PinnedKeys:
    """Enrollment's own data key in the database at ``database_url`` (one object per
    database: it keeps the key once unwrapped, and another database has another key)."""
    return PinnedKeys(BusSettings(service="enrollment").key_encryption_keys())


def candidate_columns(database_url: str) -> ServiceColumns:
    """Refill candidates' personal columns (registry rows of people who are not participants
    yet: no key of their own), sealed under the service's data key."""
    return ServiceColumns(service_keys(database_url), "candidates")


def receipt_key() -> str:
    """The key of receipt codes (``ENROLLMENT_RECEIPT_KEY``)."""
    return os.environ.get(RECEIPT_KEY_ENV, DEV_RECEIPT_KEY)


def erasure_after() -> timedelta:
    """How long an enrolled resident's data is kept after their last proposal ended
    (``ENROLLMENT_ERASURE_AFTER_DAYS``, read at each request)."""
    days = int(os.environ.get(ERASURE_AFTER_ENV, str(DEFAULT_ERASURE_AFTER_DAYS)))
    if days < 0:
        raise ValueError(f"{ERASURE_AFTER_ENV} must be a number of days, 0 or more")
    return timedelta(days=days)


CSV_MAX_CELL_ENV = "ENROLLMENT_CSV_MAX_CELL_CHARS"


def csv_max_cell_chars() -> int:
    """The longest cell of an uploaded CSV file (``ENROLLMENT_CSV_MAX_CELL_CHARS``)."""
    value = int(os.environ.get(CSV_MAX_CELL_ENV, str(MAX_CELL_CHARS)))
    if value <= 0:
        raise ValueError(f"{CSV_MAX_CELL_ENV} must be a positive number of characters")
    return value


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
