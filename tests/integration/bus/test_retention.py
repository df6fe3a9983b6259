"""Retention of the bus's tables against the real Postgres: rows older than their period
are purged in batches, younger ones and unpublished outbox rows are kept, one replica
purges at a time, the metrics say what was purged and how old the oldest kept row is, and
the inbox still refuses a redelivered event within its period."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import asyncpg
import pytest
from integration.bus.harness import SERVICE, participant, record_step, step_event
from jkn_bus import metrics
from jkn_bus.consumer import EventConsumer, Record
from jkn_bus.retention import DAY_S, RetentionPurger, RetentionSettings, bus_stores
from jkn_contracts import DeactivationRequested
from support.polling import eventually

pytestmark = pytest.mark.infra

KEPT = RetentionSettings()  # the defaults: outbox 7 days, inbox 14, dead letters 30


def _purger(pool: asyncpg.Pool, batch: int = 2) -> RetentionPurger:
    return RetentionPurger(pool, bus_stores(KEPT), service=SERVICE, schema=SERVICE, batch=batch)


def _purged(store: str) -> float:
    return metrics.RETENTION_PURGED.labels(SERVICE, store)._value.get()


def _oldest(store: str) -> float:
    return metrics.RETENTION_OLDEST.labels(SERVICE, store)._value.get()


async def _outbox(pool: asyncpg.Pool, *, age_days: float, published: bool) -> uuid.UUID:
    event_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO outbox (event_id, event_type, topic, key, value, created_at, published_at)"
        " VALUES ($1, 'X', 't', 'k', '\\x00', now() - make_interval(secs => $2),"
        " CASE WHEN $3 THEN now() - make_interval(secs => $2) END)",
        event_id,
        age_days * DAY_S,
        published,
    )
    return event_id


async def _inbox(pool: asyncpg.Pool, *, age_days: float) -> uuid.UUID:
    event_id = uuid.uuid4()
    await pool.execute(
        'INSERT INTO inbox (event_id, event_type, topic, partition, "offset", processed_at)'
        " VALUES ($1, 'X', 't', 0, 0, now() - make_interval(secs => $2))",
        event_id,
        age_days * DAY_S,
    )
    return event_id


async def _dead_letter(pool: asyncpg.Pool, offset: int, *, age_days: float) -> None:
    await pool.execute(
        'INSERT INTO dead_letters (topic, partition, "offset", reason, attempts, dead_at)'
        " VALUES ('t', 0, $1, 'HANDLER_FAILED: ValueError', 1, now() - make_interval(secs => $2))",
        offset,
        age_days * DAY_S,
    )


async def test_rows_older_than_their_period_are_purged_and_younger_ones_kept(
    pool: asyncpg.Pool,
) -> None:
    old_published = [await _outbox(pool, age_days=8, published=True) for _ in range(5)]
    young_published = await _outbox(pool, age_days=6, published=True)
    old_unpublished = await _outbox(pool, age_days=30, published=False)
    old_processed = [await _inbox(pool, age_days=15) for _ in range(3)]
    young_processed = await _inbox(pool, age_days=13)
    for offset in range(4):
        await _dead_letter(pool, offset, age_days=31)
    await _dead_letter(pool, 99, age_days=29)
    before = {s: _purged(s) for s in ("outbox", "inbox", "dead_letters")}

    report = await _purger(pool, batch=2).purge_once()  # batches of 2: several statements

    assert report == {"outbox": 5, "inbox": 3, "dead_letters": 4}
    outbox = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM outbox")}
    assert outbox == {young_published, old_unpublished}, "unpublished rows are never purged"
    assert not outbox & set(old_published)
    inbox = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM inbox")}
    assert inbox == {young_processed}
    assert not inbox & set(old_processed)
    offsets = [r["offset"] for r in await pool.fetch('SELECT "offset" FROM dead_letters')]
    assert offsets == [99]
    assert {s: _purged(s) - before[s] for s in before} == report
    assert 6 * DAY_S < _oldest("outbox") < 7 * DAY_S, "the oldest published row kept"
    assert 13 * DAY_S < _oldest("inbox") < 14 * DAY_S
    assert 29 * DAY_S < _oldest("dead_letters") < 30 * DAY_S

    assert await _purger(pool).purge_once() == {"outbox": 0, "inbox": 0, "dead_letters": 0}


async def test_one_replica_purges_at_a_time(pool: asyncpg.Pool, service_url: str) -> None:
    await _inbox(pool, age_days=20)
    purger = _purger(pool)
    holder = await asyncpg.connect(service_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", purger._lock_key)
        assert await purger.purge_once() is None, "another replica holds the purge"
        assert await pool.fetchval("SELECT count(*) FROM inbox") == 1
    finally:
        await holder.close()
    assert (await purger.purge_once() or {})["inbox"] == 1


class _NoProducer:
    async def send_and_wait(self, *_: Any, **__: Any) -> None:
        raise AssertionError("nothing is dead-lettered here")


async def test_the_inbox_refuses_a_redelivered_event_within_its_period(pool: asyncpg.Pool) -> None:
    async def producer() -> Any:
        return _NoProducer()

    consumer = EventConsumer(
        pool, producer, service=SERVICE, handlers={DeactivationRequested: record_step}
    )
    event = step_event(participant(41), 1)
    record = Record(
        "jkn.dinsos.participants",
        0,
        1,
        event.participant_id.encode(),  # type: ignore[union-attr]
        event.model_dump_json().encode(),
        [],
    )
    assert await consumer.process(record) == "applied"
    # processed 13 days ago: within the inbox's 14 days (longer than any topic keeps it)
    await pool.execute(
        "UPDATE inbox SET processed_at = now() - interval '13 days' WHERE event_id = $1",
        event.event_id,
    )

    assert (await _purger(pool).purge_once() or {})["inbox"] == 0
    assert await consumer.process(record) == "duplicate", "still refused"
    applied = await pool.fetchval(
        "SELECT count(*) FROM test_applied WHERE event_id = $1", event.event_id
    )
    assert applied == 1, "one effect however often it is delivered"


async def test_a_failed_pass_does_not_end_the_purging(pool: asyncpg.Pool) -> None:
    class Broken:
        name, period_s = "broken", 1.0

        def __init__(self) -> None:
            self.calls = 0

        async def purge_batch(self, conn: asyncpg.Connection, limit: int) -> int:
            self.calls += 1
            raise RuntimeError("a store that fails")

        async def oldest_age_s(self, conn: asyncpg.Connection) -> float:
            return 0.0

    broken = Broken()
    purger = RetentionPurger(pool, [broken], service=SERVICE, schema=SERVICE, interval_s=0.05)
    task = asyncio.create_task(purger.run())
    try:
        await eventually(lambda: _at_least(broken, 3), timeout=10)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _at_least(store: Any, calls: int) -> bool:
    return store.calls >= calls
