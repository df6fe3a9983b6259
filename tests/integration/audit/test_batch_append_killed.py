"""The audit writer appends a consumed batch in one transaction (the locks of the chains it
touches, one read of their heads, one INSERT): a process killed while a batch is open
leaves none of that batch's entries, every chain verifies, and a restarted writer appends
every event exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from integration.audit.events import activation_told
from integration.conftest import BOOTSTRAP
from jkn_audit.adapters.audit_log import entries_in_order
from jkn_audit.app.verification import verify_chain
from jkn_audit.bootstrap import MIGRATIONS
from jkn_bus import load_migrations
from jkn_bus.db import bus_migrations, connect_pool, migrate
from jkn_contracts import participant_id_for, topic_for
from support.kafka import produce
from support.polling import eventually

pytestmark = pytest.mark.infra

HERE = Path(__file__).parent
RESIDENTS, EACH = 200, 10  # enough records for several batches of the consumer's 200


@pytest.fixture
async def pool(database: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The audit role's pool, its schema migrated (before any writer starts)."""
    pool = await connect_pool(database["audit"], max_size=2)
    await migrate(pool, [*bus_migrations(), *load_migrations(MIGRATIONS)], scope="audit")
    yield pool
    await pool.close()


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def start_writer(
    procs: list[subprocess.Popen[bytes]], database_url: str, prefix: str
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    proc = subprocess.Popen(  # noqa: S603 - this folder's script, the test's own arguments
        [sys.executable, "-m", "integration.audit.audit_process", database_url, BOOTSTRAP, prefix],
        env=env,
    )
    procs.append(proc)
    return proc


async def count(pool: asyncpg.Pool, table: str) -> int:
    return int(await pool.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608 - constant


async def test_a_writer_killed_mid_batch_leaves_no_half_batch_and_the_chain_verifies(
    database: dict[str, str],
    topic_prefix: str,
    pool: asyncpg.Pool,
    spawn: list[subprocess.Popen[bytes]],
) -> None:
    events = [
        activation_told(participant_id_for(f"15710101019{n:05d}", "audit-kill"))
        for n in range(RESIDENTS)
        for _ in range(EACH)
    ]
    await produce(
        BOOTSTRAP,
        topic_for("NotificationSent", topic_prefix),
        [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
    )
    role = urlsplit(database["audit"]).username
    writer = start_writer(spawn, database["audit"], topic_prefix)

    async def batch_open_after_one_committed() -> bool:
        # some batch committed, and the writer is inside the transaction of another one
        return await count(pool, "audit_log") > 0 and bool(
            await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = $1"
                " AND datname = current_database() AND pid <> pg_backend_pid()"
                " AND xact_start IS NOT NULL AND query NOT LIKE '%pg_stat_activity%'",
                role,
            )
        )

    await eventually(batch_open_after_one_committed, timeout=90, interval=0.01)
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    entries, applied = await count(pool, "audit_log"), await count(pool, "inbox")
    assert 0 < entries < len(events), "the writer must die mid-way for this test to mean anything"
    assert entries == applied, "an entry for every event marked applied, and none more"
    report = await verify_chain(pool, entries_in_order)
    assert (report.ok, report.rows) == (True, entries)
    assert all(c.ok for c in report.chains)

    start_writer(spawn, database["audit"], topic_prefix)
    await eventually(lambda: _at_least(pool, len(events)), timeout=120)
    assert await count(pool, "audit_log") == len(events) == await count(pool, "inbox")
    assert await pool.fetchval("SELECT count(DISTINCT event_id) FROM audit_log") == len(events)
    report = await verify_chain(pool, entries_in_order)
    assert (report.ok, report.rows) == (True, len(events))
    # 200 residents spread over the chains: every chain was written, and each verifies
    assert all(c.ok and c.rows > 0 for c in report.chains), report.chains


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await count(pool, "audit_log") >= n
