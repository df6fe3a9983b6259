"""Connection pools and SQL migrations of a service's own schema.

Migrations are plain SQL files named ``NNNN_description.sql``. The library's own tables
(outbox, inbox, dead letters) come first, then the service's. Each file is applied once,
in one transaction, under an advisory lock so that two replicas starting together do not
race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg

__all__ = [
    "PG_INT4_MAX",
    "PG_INT8_MAX",
    "Migration",
    "bus_migrations",
    "connect_pool",
    "keeps_session_state",
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


class _PooledConnection(asyncpg.Connection):
    """A pool connection given back without asyncpg's reset statement, unless it was used
    for session state.

    asyncpg resets every connection it takes back (``SELECT pg_advisory_unlock_all(); CLOSE
    ALL; UNLISTEN *; RESET ALL``): one more statement, hence one more Postgres transaction,
    per checkout — about a quarter of the statements ``make profile`` counted. Our
    transactions leave no session state: no ``SET`` outside a transaction, cursors only
    inside one, and an open transaction is still rolled back on release (asyncpg does that
    apart from this statement). What does hold session state says so: a listener
    (``add_listener``), and a session advisory lock (``keeps_session_state``, before
    taking it); such a connection is reset in full when it is given back, so a lock
    left by a task cancelled before its unlock is released with it.
    """

    _session_state = False

    def get_reset_query(self) -> str:
        if not self._session_state:
            return ""
        self._session_state = False
        return str(super().get_reset_query())

    def keep_session_state(self) -> None:
        self._session_state = True

    async def add_listener(self, channel: str, callback: Callable[..., Any]) -> None:
        self._session_state = True
        await super().add_listener(channel, callback)


def keeps_session_state(conn: Any) -> None:
    """``conn`` (a pool's, or lent by one) is about to hold session state (a session
    advisory lock): reset it in full when it is given back to the pool."""
    mark = getattr(conn, "keep_session_state", None)
    if mark is not None:
        mark()


async def connect_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections keep the role's own search_path (its schema), given back
    without a reset statement unless they held session state (``_PooledConnection``)."""
    pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, connection_class=_PooledConnection
    )
    assert pool is not None
    return pool


async def migrate(pool: asyncpg.Pool, migrations: Sequence[Migration], *, scope: str) -> list[str]:
    """Apply the migrations not yet applied; return the names applied now."""
    lock_key = int.from_bytes(
        hashlib.sha256(f"migrate:{scope}".encode()).digest()[:8], "big", signed=True
    )
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        keeps_session_state(conn)
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
