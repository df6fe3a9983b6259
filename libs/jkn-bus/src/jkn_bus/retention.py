"""Retention: what a service keeps about residents is deleted when its period is over.

Every service purges its own stores on its own (``ServiceRuntime`` runs a
``RetentionPurger``): the bus's tables — published outbox rows, processed inbox ids, dead
letters — and whatever the service adds (enrollment: reconciliation candidates, abandoned
upload spool files). Periods are settings (``JKN_RETENTION_*``; the defaults and why are in
the README, "Personal data" → "Retention").

- Batched: each DELETE removes at most ``JKN_RETENTION_BATCH`` rows in its own short
  transaction (autocommit), chosen by primary key, so no lock is held for long and the
  relay and consumers go on between batches.
- One purger at a time per service: the pass holds a session advisory lock (per schema);
  a replica that does not get it skips the pass.
- Measured: ``jkn_retention_purged_total{service,store}`` (rows or files deleted) and
  ``jkn_retention_oldest_seconds{service,store}`` (age of the oldest item still kept; 0
  when the store is empty), refreshed every pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import asyncpg
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from jkn_bus import metrics
from jkn_bus.db import keeps_session_state

__all__ = [
    "DAY_S",
    "RetentionPurger",
    "RetentionSettings",
    "SpoolFiles",
    "SqlStore",
    "Store",
    "bus_stores",
]

log = logging.getLogger(__name__)

DAY_S = 86_400.0


class RetentionSettings(BaseSettings):
    """How long each store keeps an item, in days (``JKN_RETENTION_*``)."""

    model_config = SettingsConfigDict(env_prefix="JKN_RETENTION_", extra="ignore")

    outbox_days: float = Field(
        7, gt=0, description="Published outbox rows, after publication (Kafka's own retention)."
    )
    inbox_days: float = Field(
        14,
        gt=0,
        description="Processed inbox ids, after processing: longer than any topic keeps a"
        " record, so no redelivery outlives its id.",
    )
    dead_letters_days: float = Field(
        30, gt=0, description="Dead-letter rows, after dead-lettering."
    )
    candidates_days: float = Field(
        90, gt=0, description="Reconciliation candidates, after their snapshot (one quarter)."
    )
    spool_days: float = Field(
        1, gt=0, description="Upload spool files a stopped process left behind."
    )
    interval_s: float = Field(3600, gt=0, description="Seconds between two purge passes.")
    batch: int = Field(5000, gt=0, description="Rows deleted per statement.")


class Store(Protocol):
    """One kind of kept item: its name (the metrics' ``store`` label) and period."""

    @property
    def name(self) -> str: ...

    @property
    def period_s(self) -> float: ...

    async def purge_batch(self, conn: asyncpg.Connection, limit: int) -> int:
        """Delete at most ``limit`` items older than the period; return how many."""

    async def oldest_age_s(self, conn: asyncpg.Connection) -> float:
        """The age in seconds of the oldest item still kept (0 when none)."""


@dataclass(frozen=True)
class SqlStore:
    """Rows of a table. ``delete_sql`` deletes one batch: ``$1`` is the period in seconds,
    ``$2`` the batch size (delete by primary key from a ``LIMIT``ed sub-select);
    ``oldest_sql`` returns the age in seconds of the oldest row that counts (or null)."""

    name: str
    period_s: float
    delete_sql: str
    oldest_sql: str

    async def purge_batch(self, conn: asyncpg.Connection, limit: int) -> int:
        status: str = await conn.execute(self.delete_sql, self.period_s, limit)
        return int(status.rsplit(" ", 1)[-1])  # "DELETE <n>"

    async def oldest_age_s(self, conn: asyncpg.Connection) -> float:
        age = await conn.fetchval(self.oldest_sql)
        return float(age or 0.0)


@dataclass(frozen=True)
class SpoolFiles:
    """Files of ``directory`` matching ``patterns`` (upload spool files), by modification
    time. A file in use is younger than any sensible period; the work that made it deletes
    it when done, this removes what a stopped process left."""

    name: str
    period_s: float
    directory: Path
    patterns: Sequence[str]

    def _files(self) -> list[tuple[Path, float]]:
        found: list[tuple[Path, float]] = []
        for pattern in self.patterns:
            for path in self.directory.glob(pattern):
                try:
                    found.append((path, path.stat().st_mtime))
                except FileNotFoundError:  # deleted meanwhile by its own work
                    continue
        return found

    async def purge_batch(self, conn: asyncpg.Connection, limit: int) -> int:
        cutoff = time.time() - self.period_s
        stale = [p for p, mtime in self._files() if mtime < cutoff][:limit]
        for path in stale:
            path.unlink(missing_ok=True)
        return len(stale)

    async def oldest_age_s(self, conn: asyncpg.Connection) -> float:
        times = [mtime for _, mtime in self._files()]
        return max(0.0, time.time() - min(times)) if times else 0.0


def _age(column: str, table: str, where: str = "true") -> str:
    # identifiers of the bus's own tables, never input
    select = f"SELECT extract(epoch FROM clock_timestamp() - min({column}))::float8"  # noqa: S608
    return f"{select} FROM {table} WHERE {where}"


def bus_stores(settings: RetentionSettings) -> list[Store]:
    """The bus's own tables (jkn_bus/sql): in every service's schema."""
    return [
        SqlStore(
            "outbox",
            settings.outbox_days * DAY_S,
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE published_at"
            " < clock_timestamp() - make_interval(secs => $1) ORDER BY id LIMIT $2)",
            _age("published_at", "outbox", "published_at IS NOT NULL"),
        ),
        SqlStore(
            "inbox",
            settings.inbox_days * DAY_S,
            "DELETE FROM inbox WHERE event_id IN (SELECT event_id FROM inbox WHERE processed_at"
            " < clock_timestamp() - make_interval(secs => $1) LIMIT $2)",
            _age("processed_at", "inbox"),
        ),
        SqlStore(
            "dead_letters",
            settings.dead_letters_days * DAY_S,
            "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE dead_at"
            " < clock_timestamp() - make_interval(secs => $1) ORDER BY id LIMIT $2)",
            _age("dead_at", "dead_letters"),
        ),
    ]


class RetentionPurger:
    """Purges a service's stores every ``interval_s``; run ``run()`` as a task."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        stores: Sequence[Store],
        *,
        service: str,
        schema: str,
        interval_s: float = 3600.0,
        batch: int = 5000,
    ) -> None:
        self._pool = pool
        self.stores = list(stores)
        self._service = service
        self._interval_s = interval_s
        self._batch = batch
        self._lock_key = int.from_bytes(
            hashlib.sha256(f"retention:{schema}".encode()).digest()[:8], "big", signed=True
        )

    async def run(self) -> None:
        """A pass at once, then one every interval, until cancelled."""
        while True:
            try:
                await self.purge_once()
            except Exception as exc:  # a failed pass never ends the purging: the next one runs
                log.warning("retention pass failed (%s); next pass as planned", type(exc).__name__)
            await asyncio.sleep(self._interval_s)

    async def purge_once(self) -> dict[str, int] | None:
        """One pass over every store: {store: items deleted}; None when another replica
        holds the purge lock (it purges)."""
        async with self._pool.acquire() as pooled:
            conn: Any = pooled
            keeps_session_state(conn)
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key):
                return None
            try:
                return {store.name: await self._purge(conn, store) for store in self.stores}
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", self._lock_key)

    async def _purge(self, conn: asyncpg.Connection, store: Store) -> int:
        total = 0
        while True:
            deleted = await store.purge_batch(conn, self._batch)  # its own transaction
            total += deleted
            metrics.RETENTION_PURGED.labels(self._service, store.name).inc(deleted)
            if deleted < self._batch:
                break
            await asyncio.sleep(0)  # let the service's other work run between batches
        metrics.RETENTION_OLDEST.labels(self._service, store.name).set(
            await store.oldest_age_s(conn)
        )
        if total:
            log.info("retention: %d purged from %s", total, store.name)
        return total
