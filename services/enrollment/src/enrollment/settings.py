"""Settings of Dinas Sosial's service beside the bus's (``jkn_bus.BusSettings``).

:class:`EnrollmentSettings` is every one of them, read once from the environment by
``bootstrap`` (``EnrollmentSettings.from_env``) and handed to whoever needs one: the use
cases and routes never read the environment themselves. It is a pydantic-settings model,
as every service's settings are (``GatewaySettings``, ``VerificationSettings``,
``NotificationsSettings``): a value out of range stops the service at start, naming its
variable.

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

The others: ``ENROLLMENT_HTTP_PORT`` (8001); imports: ``ENROLLMENT_IMPORT_CHUNK_ROWS``
(500 rows a transaction), ``ENROLLMENT_IMPORT_REAP_INTERVAL_S`` (60),
``ENROLLMENT_MAX_IMPORT_ROWS`` (50,000); reconciliation runs:
``ENROLLMENT_MAX_DEACTIVATION_SHARE`` (0.05), ``ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO`` (0.8),
``ENROLLMENT_MAX_REFILL_BATCH`` (200), ``ENROLLMENT_RECONCILIATION_BATCH`` (500 requests a
transaction), ``JKN_ELIGIBLE_DECILES`` (1,2,3,4: the welfare deciles the program serves);
``ENROLLMENT_STATUS_FAILURES_PER_10MIN`` (30 wrong receipt codes per client address); the
audit client's (``adapters.audit_client``): ``ENROLLMENT_AUDIT_URL`` (default
``http://127.0.0.1:$AUDIT_HTTP_PORT``, 8005), ``ENROLLMENT_OIDC_CLIENT_ID`` (enrollment),
``ENROLLMENT_OIDC_CLIENT_SECRET`` (a development default refused outside ``JKN_ENV=dev``),
``ENROLLMENT_OIDC_TOKEN_URL`` (default: the issuer's discovery document's).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus import BusSettings
from jkn_bus.at_rest import ResidentColumns, ServiceColumns, ServiceKeys
from jkn_bus.keyring import Sealer, sealer_for
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from enrollment.domain.csv_import import MAX_CELL_CHARS
from enrollment.domain.snapshot import DEFAULT_ELIGIBLE_DECILES, parse_deciles

__all__ = [
    "AUDIT_URL_ENV",
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "CSV_MAX_CELL_ENV",
    "DEV_CLIENT_SECRET",
    "DEV_RECEIPT_KEY",
    "ERASURE_AFTER_ENV",
    "RECEIPT_KEY_ENV",
    "TOKEN_URL_ENV",
    "UPLOAD_LIMITS",
    "EnrollmentSettings",
    "PinnedKeys",
    "candidate_columns",
    "proposal_columns",
    "sealer",
    "service_keys",
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


CSV_MAX_CELL_ENV = "ENROLLMENT_CSV_MAX_CELL_CHARS"
# the audit client's (``adapters.audit_client``)
AUDIT_URL_ENV = "ENROLLMENT_AUDIT_URL"
CLIENT_ID_ENV = "ENROLLMENT_OIDC_CLIENT_ID"
CLIENT_SECRET_ENV = "ENROLLMENT_OIDC_CLIENT_SECRET"  # noqa: S105 - the variable's name
TOKEN_URL_ENV = "ENROLLMENT_OIDC_TOKEN_URL"  # noqa: S105 - the variable's name
DEV_CLIENT_SECRET = "enrollment-dev-secret"  # noqa: S105 - the local Keycloak's, refused outside dev

UPLOAD_LIMITS: dict[str, tuple[str, int]] = {
    "/imports": ("ENROLLMENT_IMPORT_MAX_BYTES", 100 << 20),
    "/reconciliation/findings": ("ENROLLMENT_FINDINGS_MAX_BYTES", 10 << 20),
    "/reconciliation/snapshots": ("ENROLLMENT_SNAPSHOT_MAX_BYTES", 200 << 20),
}
"""Upload route -> (its variable, its default body limit in bytes)."""


def _env(name: str, default: Any, **rules: Any) -> Any:
    """A field read from the variable ``name`` (also from a mapping given to ``from_env``)."""
    return Field(default, validation_alias=AliasChoices(name), **rules)


class EnrollmentSettings(BaseSettings):
    """Every setting of the service (the module's docstring lists them), with its default;
    a value out of range is refused naming its variable. ``receipt_key`` and the client
    secret stay out of ``repr`` (and logs)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=False)

    http_port: int = _env("ENROLLMENT_HTTP_PORT", 8001, ge=1, le=65535)
    receipt_key: str = Field(
        DEV_RECEIPT_KEY, validation_alias=AliasChoices(RECEIPT_KEY_ENV), repr=False
    )
    erasure_after_days: int = _env(ERASURE_AFTER_ENV, DEFAULT_ERASURE_AFTER_DAYS, ge=0)
    csv_max_cell_chars: int = _env(CSV_MAX_CELL_ENV, MAX_CELL_CHARS, ge=1)
    import_max_bytes: int = _env(UPLOAD_LIMITS["/imports"][0], UPLOAD_LIMITS["/imports"][1], ge=1)
    findings_max_bytes: int = _env(*UPLOAD_LIMITS["/reconciliation/findings"], ge=1)
    snapshot_max_bytes: int = _env(*UPLOAD_LIMITS["/reconciliation/snapshots"], ge=1)
    import_chunk_rows: int = _env("ENROLLMENT_IMPORT_CHUNK_ROWS", 500, ge=1)
    import_reap_interval_s: float = _env("ENROLLMENT_IMPORT_REAP_INTERVAL_S", 60.0, gt=0)
    max_import_rows: int = _env("ENROLLMENT_MAX_IMPORT_ROWS", 50_000, ge=1)
    # checked with their meaning by RunLimits (bootstrap.run_limits), naming the variable
    max_deactivation_share: float = _env("ENROLLMENT_MAX_DEACTIVATION_SHARE", 0.05)
    snapshot_min_row_ratio: float = _env("ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO", 0.8)
    max_refill_batch: int = _env("ENROLLMENT_MAX_REFILL_BATCH", 200)
    reconciliation_batch: int = _env("ENROLLMENT_RECONCILIATION_BATCH", 500, ge=1)
    # processes parsing a snapshot of 16 MB or more (about 200,000 rows): app.snapshot_shares
    snapshot_parse_processes: int = _env("ENROLLMENT_SNAPSHOT_PARSE_PROCESSES", 2, ge=1, le=16)
    # Postgres's memory (work_mem, MB) per sort or hash of a snapshot's loading transaction
    snapshot_work_mem_mb: int = _env("ENROLLMENT_SNAPSHOT_WORK_MEM_MB", 256, ge=4, le=4096)
    eligible_deciles: Annotated[tuple[int, ...], NoDecode] = _env(
        "JKN_ELIGIBLE_DECILES", DEFAULT_ELIGIBLE_DECILES
    )
    status_failures_per_10min: int = _env("ENROLLMENT_STATUS_FAILURES_PER_10MIN", 30, ge=1)
    audit_url_set: str | None = _env(AUDIT_URL_ENV, None)
    audit_http_port: int = _env("AUDIT_HTTP_PORT", 8005, ge=1, le=65535)
    oidc_client_id: str = _env(CLIENT_ID_ENV, "enrollment")
    oidc_client_secret: str = Field(
        DEV_CLIENT_SECRET, validation_alias=AliasChoices(CLIENT_SECRET_ENV), repr=False
    )
    oidc_token_url: str | None = _env(TOKEN_URL_ENV, None)  # None: the issuer's discovery

    @field_validator("eligible_deciles", mode="before")
    @classmethod
    def _deciles(cls, value: Any) -> Any:
        if isinstance(value, str):  # "1,2,3,4" as the variable holds it; blank: the default
            return parse_deciles(value) if value.strip() else DEFAULT_ELIGIBLE_DECILES
        return value

    @field_validator("audit_url_set", "oidc_token_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return value or None

    @property
    def erasure_after(self) -> timedelta:
        return timedelta(days=self.erasure_after_days)

    @property
    def upload_limits(self) -> Mapping[str, int]:
        """Upload route -> its body limit in bytes."""
        return {
            "/imports": self.import_max_bytes,
            "/reconciliation/findings": self.findings_max_bytes,
            "/reconciliation/snapshots": self.snapshot_max_bytes,
        }

    @property
    def audit_url(self) -> str:
        """``ENROLLMENT_AUDIT_URL``, else the audit service on this machine's
        ``AUDIT_HTTP_PORT``."""
        return self.audit_url_set or f"http://127.0.0.1:{self.audit_http_port}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EnrollmentSettings:
        """The settings in ``env`` (default: this process's environment), read once."""
        return cls() if env is None else cls.model_validate(dict(env))
