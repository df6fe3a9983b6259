"""Imports whose owner is gone: the reaping half of ``app.imports.ImportRunner``.

Who owns a running import: the task holds a session advisory lock (``import_lock_key``) on
its connection for the whole run. If the process dies, Postgres drops the lock with the
connection; ``reap`` (at start-up, then every ``ENROLLMENT_IMPORT_REAP_INTERVAL_S`` on every
replica) marks every 'running' import whose lock it can take as 'interrupted' (a replica
still running its import keeps the lock, and its import is left alone).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from typing import cast

import asyncpg
from jkn_bus.db import keeps_session_state
from jkn_bus.service import ServiceRuntime

from enrollment.app.ports import ImportStore

__all__ = ["ImportReaper", "import_lock_key"]

log = logging.getLogger("enrollment.app.imports")


def import_lock_key(import_id: uuid.UUID) -> int:
    """The session advisory lock its owner holds while an import runs."""
    return int.from_bytes(
        hashlib.sha256(f"import:{import_id}".encode()).digest()[:8], "big", signed=True
    )


class ImportReaper:
    """Marks 'running' imports without an owner 'interrupted', and stops this process's."""

    _runtime: ServiceRuntime
    _store: ImportStore
    tasks: dict[uuid.UUID, asyncio.Task[None]]  # this process's running imports

    async def reap(self) -> list[uuid.UUID]:
        """Mark 'running' imports whose owner is gone as 'interrupted' (at start-up)."""
        pool = self._runtime.pool
        reaped = []
        async with pool.acquire() as pooled:
            conn = cast(asyncpg.Connection, pooled)  # the proxy forwards every call
            keeps_session_state(conn)
            for row in await self._store.running(conn):
                key = import_lock_key(row["import_id"])
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    try:
                        await self._store.finish(conn, row["import_id"], "interrupted")
                        reaped.append(row["import_id"])
                    finally:
                        await conn.execute("SELECT pg_advisory_unlock($1)", key)
        if reaped:
            log.warning("imports left by a stopped process, now interrupted: %d", len(reaped))
        return reaped

    async def reap_periodically(self, interval_s: float) -> None:
        """``reap`` every ``interval_s`` seconds: an import whose replica died is reported
        'interrupted' by the replicas still alive, without waiting for a restart."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.reap()
            except Exception as exc:
                # The class only: a database error's text may quote row values.
                log.error("reaping orphaned imports failed (%s)", type(exc).__name__)

    async def stop(self) -> None:
        """Cancel running imports; each marks itself 'interrupted' (re-upload to continue)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
