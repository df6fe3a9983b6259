"""Connection pools and SQL migrations of a service's own schema.

Migrations are plain SQL files named ``NNNN_description.sql``. The library's own tables
(outbox, inbox, dead letters) come first, then the service's. Each file is applied once,
in one transaction, under an advisory lock so that two replicas starting together do not
race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import asyncpg

__all__ = [
    "PG_INT4_MAX",
    "PG_INT8_MAX",
    "Migration",
    "bus_migrations",
    "connect_pool",
    "load_migrations",
    "migrate",
]

Migration = tuple[str, str]  # (name, sql)

# The largest Postgres integer / bigint: a number read from a request and bound to a query
# is bounded by its column's type in the request's model, so that a larger one is a 422
# naming the field, never a DataError from the driver (a 500).
PG_INT4_MAX = 2**31 - 1
PG_INT8_MAX = 2**63 - 1


def load_migrations(directory: Path) -> list[Migration]:
    """The ``*.sql`` files of ``directory``, in name order."""
    return [(p.name, p.read_text()) for p in sorted(directory.glob("*.sql"))]


def bus_migrations() -> list[Migration]:
    """The messaging library's own tables."""
    sql_dir = resources.files("jkn_bus") / "sql"
    return sorted(
        (f"bus/{f.name}", f.read_text()) for f in sql_dir.iterdir() if f.name.endswith(".sql")
    )


async def connect_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections keep the role's own search_path (its schema)."""
    pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
    assert pool is not None
    return pool


async def migrate(pool: asyncpg.Pool, migrations: Sequence[Migration], *, scope: str) -> list[str]:
    """Apply the migrations not yet applied; return the names applied now."""
    lock_key = int.from_bytes(
        hashlib.sha256(f"migrate:{scope}".encode()).digest()[:8], "big", signed=True
    )
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", lock_key)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for name, sql in migrations:
                if name in done:
                    continue
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                applied_now.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    return applied_now
