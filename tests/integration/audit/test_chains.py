"""The audit log's chains on the real Postgres: appends to different chains do not wait on
each other's lock, appends to one chain queue and link in order, two batches over the same
chains never deadlock, the rows stored before migration 0003 are chain 0 and still verify
(the chain goes on from them), and a tampered row is reported with its chain."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from integration.audit.events import activation_told
from integration.conftest import ADMIN_URL
from jkn_audit.adapters.audit_log import append_all, chain_lock, entries_in_order
from jkn_audit.app.verification import ChainReport, verify_chain
from jkn_audit.bootstrap import MIGRATIONS
from jkn_audit.domain.chain import GENESIS, chain_hash, genesis
from jkn_audit.domain.chains import CHAINS, chain_of
from jkn_audit.domain.entries import AuditEntry, describe
from jkn_bus import load_migrations
from jkn_bus.db import bus_migrations, connect_pool, migrate
from jkn_contracts import participant_id_for
from support.polling import eventually

pytestmark = pytest.mark.infra

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PIDS = [participant_id_for(f"157101019{n:07d}", "audit-chains") for n in range(200)]
LEGACY_ROWS = 5


def pid_in(chain: int, nth: int = 0) -> str:
    """The ``nth`` test participant whose entries go to ``chain``."""
    return [p for p in PIDS if chain_of(p) == chain][nth]


def draft(pid: str) -> AuditEntry:
    told = activation_told(pid)
    return describe(
        told, topic="jkn.notifications.messages", partition=0, offset=0, recorded_at=NOW
    )


async def legacy_append(conn: Any, drafts: Sequence[AuditEntry]) -> str:
    """What the writer did before migration 0003 (one chain, one lock, the global head; no
    chain column); the head hash it leaves."""
    head = await conn.fetchrow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    seq, previous = (head["seq"], head["hash"]) if head is not None else (0, GENESIS)
    for d in drafts:
        seq += 1
        hashed = chain_hash(previous, {**d.content(), "seq": seq})
        row = {**d.content(), "seq": seq, "prev_hash": previous, "hash": hashed}
        row |= {k: datetime.fromisoformat(row[k]) for k in ("occurred_at", "recorded_at")}
        row["payload"] = json.dumps(row["payload"])
        columns = ", ".join(f'"{k}"' for k in row)
        marks = ", ".join(f"${i}" for i in range(1, len(row) + 1))
        await conn.execute(
            f"INSERT INTO audit_log ({columns}) VALUES ({marks})",  # noqa: S608 - our names
            *row.values(),
        )
        previous = hashed
    return previous


@pytest.fixture(scope="module")
async def migrated(database: dict[str, str]) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """The audit role's pool, migrated up to 0002, rows written by the one-chain writer
    (participants of several chains), then migrated to the chains; and the head hash those
    rows left."""
    pool = await connect_pool(database["audit"], max_size=4)
    every = load_migrations(MIGRATIONS)
    before = [m for m in every if m[0] < "0003"]
    assert len(before) < len(every), "migration 0003 is what this module tests"
    await migrate(pool, [*bus_migrations(), *before], scope="audit")
    async with pool.acquire() as conn, conn.transaction():
        old = [draft(pid_in(c % CHAINS)) for c in range(1, LEGACY_ROWS + 1)]
        head = await legacy_append(conn, old)
    await migrate(pool, [*bus_migrations(), *every], scope="audit")
    yield pool, head
    await pool.close()


@pytest.fixture(scope="module")
def pool(migrated: tuple[asyncpg.Pool, str]) -> asyncpg.Pool:
    return migrated[0]


@pytest.fixture(scope="module")
def legacy_head(migrated: tuple[asyncpg.Pool, str]) -> str:
    return migrated[1]


async def verify(pool: asyncpg.Pool) -> ChainReport:
    return await verify_chain(pool, entries_in_order)


async def append(pool: asyncpg.Pool, *pids: str) -> list[AuditEntry]:
    async with pool.acquire() as conn, conn.transaction():
        return await append_all(conn, [draft(pid) for pid in pids])


async def waiting_backend(pool: asyncpg.Pool, *, besides: int) -> int:
    """A backend of this database (other than ``besides``) waiting for an advisory lock."""
    return int(
        await pool.fetchval(
            "SELECT coalesce(max(pid), 0) FROM pg_locks WHERE locktype = 'advisory'"
            " AND NOT granted AND pid <> $1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            besides,
        )
    )


async def holds(pool: asyncpg.Pool, backend: int, chain: int) -> bool:
    """Whether ``backend`` holds chain ``chain``'s lock (a bigint key: high and low halves)."""
    key = chain_lock(chain) & 0xFFFFFFFFFFFFFFFF
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND granted"
            " AND classid::bigint = $2 AND objid::bigint = $3 AND objsubid = 1",
            backend,
            key >> 32,
            key & 0xFFFFFFFF,
        )
    )


@contextlib.asynccontextmanager
async def held_open(pool: asyncpg.Pool, *pids: str) -> AsyncIterator[tuple[Any, int]]:
    """An append of ``pids``' entries left uncommitted, its chains' locks held, until the
    block ends (then committed): the appended entries and the holding backend's pid."""
    async with pool.acquire() as conn:
        open_tx = conn.transaction()
        await open_tx.start()
        try:
            entries = await append_all(conn, [draft(p) for p in pids])
            yield entries, await conn.fetchval("SELECT pg_backend_pid()")
        finally:
            await open_tx.commit()


async def until_waiting(pool: asyncpg.Pool, holder: int) -> None:
    """Until another backend waits for a lock (fails if none ever does)."""
    await eventually(lambda: waiting_backend(pool, besides=holder), timeout=30, interval=0.05)


async def test_rows_from_before_the_migration_are_chain_0_verify_and_chain_0_goes_on(
    pool: asyncpg.Pool, legacy_head: str
) -> None:
    old = await pool.fetch("SELECT chain, seq FROM audit_log ORDER BY seq")
    assert [(r["chain"], r["seq"]) for r in old] == [(0, s) for s in range(1, LEGACY_ROWS + 1)]
    report = await verify(pool)
    assert (report.ok, report.rows) == (True, LEGACY_ROWS)
    assert (report.chains[0].rows, report.chains[0].head) == (LEGACY_ROWS, legacy_head)
    with pytest.raises(asyncpg.NotNullViolationError):  # an old writer cannot fork chain 0
        async with pool.acquire() as conn, conn.transaction():
            await legacy_append(conn, [draft(pid_in(0))])

    (first,) = await append(pool, pid_in(0))
    (elsewhere,) = await append(pool, pid_in(3))
    assert (first.chain, first.seq) == (0, LEGACY_ROWS + 1)
    linked = await pool.fetchval(
        "SELECT prev_hash FROM audit_log WHERE chain = 0 AND seq = $1", first.seq
    )
    assert linked == legacy_head
    assert (elsewhere.chain, elsewhere.seq) == (3, 1)
    assert await pool.fetchval(
        "SELECT prev_hash FROM audit_log WHERE chain = 3 AND seq = 1"
    ) == genesis(3)
    report = await verify(pool)
    assert (report.ok, report.rows) == (True, LEGACY_ROWS + 2)
    assert [c.ok for c in report.chains] == [True] * CHAINS


async def test_an_append_to_another_chain_commits_while_one_chain_s_append_is_open(
    pool: asyncpg.Pool,
) -> None:
    async with held_open(pool, pid_in(1)) as (_, backend_a):
        assert await holds(pool, backend_a, 1)
        # chains 2 and 5 in one batch, while chain 1's append is not committed
        other = await asyncio.wait_for(append(pool, pid_in(5), pid_in(2)), timeout=30)
        assert await holds(pool, backend_a, 1), "chain 1's append was still open"
        assert {e.chain for e in other} == {2, 5}
    assert (await verify(pool)).ok


async def test_appends_to_one_chain_queue_on_its_lock_and_link_in_commit_order(
    pool: asyncpg.Pool,
) -> None:
    async with held_open(pool, pid_in(4)) as ((held,), backend_a):
        second = asyncio.create_task(append(pool, pid_in(4, nth=1)))
        await until_waiting(pool, backend_a)  # the second append, for chain 4's lock
        assert not second.done()
    (queued,) = await asyncio.wait_for(second, timeout=30)
    assert (queued.chain, queued.seq) == (4, held.seq + 1)
    rows = await pool.fetch(
        "SELECT seq, prev_hash, hash FROM audit_log WHERE chain = 4 ORDER BY seq DESC LIMIT 2"
    )
    assert rows[0]["prev_hash"] == rows[1]["hash"]
    assert (await verify(pool)).ok


async def test_two_batches_over_the_same_chains_in_opposite_order_do_not_deadlock(
    pool: asyncpg.Pool,
) -> None:
    async with held_open(pool, pid_in(5), pid_in(1)) as (_, backend_a):
        other = asyncio.create_task(append(pool, pid_in(1, nth=1), pid_in(5, nth=1)))
        await until_waiting(pool, backend_a)
    entries = await asyncio.wait_for(other, timeout=30)  # no DeadlockDetectedError
    assert sorted(e.chain for e in entries) == [1, 5]
    report = await verify(pool)
    assert report.ok
    assert report.rows == await pool.fetchval("SELECT count(*) FROM audit_log")


@pytest.fixture(scope="module")
def admin_db(database: dict[str, str]) -> str:
    """The superuser's URL of this module's database (to play the tamperer)."""
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=urlsplit(database["audit"]).path))


async def tamper(admin: asyncpg.Connection, statement: str, *args: object) -> None:
    """What only a superuser can do: switch the append-only triggers off, change, on again."""
    async with admin.transaction():
        await admin.execute("ALTER TABLE audit.audit_log DISABLE TRIGGER USER")
        await admin.execute(statement, *args)
        await admin.execute("ALTER TABLE audit.audit_log ENABLE TRIGGER USER")


@pytest.mark.parametrize("chain", [0, 2])
async def test_a_changed_row_is_reported_with_its_chain_and_the_others_still_verify(
    pool: asyncpg.Pool, admin_db: str, chain: int
) -> None:
    await append(pool, pid_in(chain), pid_in(chain, nth=1))  # at least two rows in it
    admin = await asyncpg.connect(admin_db)
    where = "WHERE chain = $1 AND seq = 2"
    try:
        row = await admin.fetchrow(f"SELECT decision, event_id FROM audit.audit_log {where}", chain)  # noqa: S608
        change = f"UPDATE audit.audit_log SET decision = $2 {where}"  # noqa: S608
        await tamper(admin, change, chain, f"{row['decision']}-forged")
        report = await verify(pool)
        await tamper(admin, change, chain, row["decision"])
    finally:
        await admin.close()
    assert (report.ok, report.broken_chain, report.broken_seq) == (False, chain, 2)
    assert report.broken_event_id == str(row["event_id"])
    status = report.chains[chain]
    assert (status.ok, status.broken_seq, status.rows) == (False, 2, 1)
    assert all(c.ok for c in report.chains if c.chain != chain)
    assert report.as_dict()["chains"][chain]["broken_seq"] == 2
    assert (await verify(pool)).ok  # restored, it verifies again


async def test_a_row_moved_to_another_chain_breaks_that_chain_and_the_anchor(
    pool: asyncpg.Pool, admin_db: str
) -> None:
    (moved,) = await append(pool, pid_in(3))
    before = await verify(pool)
    admin = await asyncpg.connect(admin_db)
    try:
        free = await admin.fetchval(
            "SELECT coalesce(max(seq), 0) + 1 FROM audit.audit_log WHERE chain = 5"
        )
        move = "UPDATE audit.audit_log SET chain = $1, seq = $2 WHERE event_id = $3"
        await tamper(admin, move, 5, free, uuid.UUID(moved.event_id))
        report = await verify(pool)
        await tamper(admin, move, 3, moved.seq, uuid.UUID(moved.event_id))
    finally:
        await admin.close()
    # chain 5 gained a row hashed from chain 3's history: it does not link to chain 5's head
    assert (report.ok, report.broken_chain) == (False, 5)
    assert report.chains[5].broken_event_id == moved.event_id
    # chain 3 lost its head row: it still links, and only the anchor shows its lost tail
    assert report.chains[3].ok
    assert report.chains[3].rows == before.chains[3].rows - 1
    assert report.head != before.head
    assert (await verify(pool)).ok
