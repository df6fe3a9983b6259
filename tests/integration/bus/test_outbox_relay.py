"""The transactional outbox and its relay, against the real Kafka and Postgres."""

from __future__ import annotations

import asyncio
import signal
from collections import defaultdict

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from integration.bus.harness import participant, step_event
from integration.bus.relay_process import LOGIN
from jkn_bus import outbox
from jkn_bus.broker import make_producer
from jkn_bus.relay import OutboxRelay
from jkn_contracts import parse_event
from support.kafka import read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra


async def _write_steps(pool: asyncpg.Pool, prefix: str, participants: int, steps: int) -> list[str]:
    """Each participant's steps 1..n, one transaction per event, interleaved across participants."""
    ids: list[str] = []
    for step in range(1, steps + 1):
        for n in range(participants):
            event = step_event(participant(n), step)
            async with pool.acquire() as conn, conn.transaction():
                await outbox.append(conn, event, topic_prefix=prefix)
            ids.append(str(event.event_id))
    return ids


async def _unpublished(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


async def test_an_event_whose_transaction_rolls_back_is_never_written(
    pool: asyncpg.Pool, topic_prefix: str
) -> None:
    async def append_then_fail() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.append(conn, step_event(participant(1), 1), topic_prefix=topic_prefix)
            raise RuntimeError("state change failed")

    with pytest.raises(RuntimeError, match="state change failed"):
        await append_then_fail()
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_outbox_append_refuses_to_run_outside_a_transaction(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the state change's transaction"):
            await outbox.append(conn, step_event(participant(1), 1))


async def test_a_relay_killed_mid_batch_loses_nothing_and_reorders_nothing(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str, spawn
) -> None:
    participants, steps = 20, 100
    written = await _write_steps(pool, topic_prefix, participants, steps)
    total = len(written)

    first = spawn("relay_process.py", service_url, bootstrap, "50")
    await eventually(
        lambda: _published_between(pool, total // 10, total - 200), timeout=60, interval=0.01
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    left = await _unpublished(pool)
    assert 0 < left < total, "the relay must die mid-way for this test to mean anything"

    spawn("relay_process.py", service_url, bootstrap, "50")
    await eventually(lambda: _all_published(pool), timeout=60)

    records = await read_topic(
        bootstrap, f"{topic_prefix}jkn.dinsos.participants", expect=total, timeout=60
    )
    seen: set[str] = set()
    order: dict[str, list[int]] = defaultdict(list)
    for record in records:
        event = parse_event(record.value)
        assert record.key == event.participant_id.encode(), "records are keyed by the pseudonym"
        if str(event.event_id) in seen:
            continue  # a replay after the kill: the inbox absorbs it downstream
        seen.add(str(event.event_id))
        order[event.participant_id].append(int(event.payload.evidence_ref.split("-")[1]))
    assert seen == set(written), "every committed event reached the broker"
    for who, got in order.items():
        assert got == list(range(1, steps + 1)), f"{who}'s events were reordered"


async def _published_between(pool: asyncpg.Pool, low: int, high: int) -> bool:
    done = int(await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"))
    return low <= done <= high


async def _all_published(pool: asyncpg.Pool) -> bool:
    return await _unpublished(pool) == 0


async def test_only_one_relay_per_service_is_active_and_a_standby_takes_over(
    pool: asyncpg.Pool, bootstrap: str
) -> None:
    def relay() -> OutboxRelay:
        return OutboxRelay(
            pool,
            lambda: make_producer(bootstrap, client_id="relay-test", login=LOGIN),
            service="verification",
            schema="verification",
            poll_interval_s=0.1,
        )

    first, second = relay(), relay()
    first_task = asyncio.create_task(first.run())
    await asyncio.wait_for(first.active.wait(), 10)
    second_task = asyncio.create_task(second.run())
    await asyncio.sleep(1.0)
    assert not second.active.is_set(), "a second relay must wait while the first holds the lock"

    first_task.cancel()
    await asyncio.gather(first_task, return_exceptions=True)
    await asyncio.wait_for(second.active.wait(), 10)
    second_task.cancel()
    await asyncio.gather(second_task, return_exceptions=True)


async def test_a_relay_outlives_a_broker_that_is_down_when_its_producer_starts(
    pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    """After a broker restart the relay re-creates its producer; if the broker is still
    down then, that round fails and a later one publishes: no row is left behind."""
    broker_up = False
    made: list[AIOKafkaProducer] = []

    def producer() -> AIOKafkaProducer:
        # a port nothing listens on until the broker is "back"
        where = bootstrap if broker_up else "127.0.0.1:9"
        made.append(make_producer(where, client_id="relay-test", login=LOGIN))
        return made[-1]

    await _write_steps(pool, topic_prefix, participants=3, steps=2)
    relay = OutboxRelay(
        pool, producer, service="verification", schema="verification", poll_interval_s=0.2
    )
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(3.0)  # several rounds, each failing to start a producer
        assert not task.done(), "the relay must keep running while the broker is down"
        assert await _unpublished(pool) == 6
        failed = made[:-1]  # the last one may be starting right now
        assert failed, "the relay tried again while the broker was down"
        # each producer that failed to start was closed (asyncio logs an ERROR otherwise)
        assert all(p._closed for p in failed)  # aiokafka has no public flag for it

        broker_up = True
        await eventually(lambda: _all_published(pool), timeout=60)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_committed_outbox_write_wakes_its_services_relay_once(
    pool: asyncpg.Pool, service_url: str, topic_prefix: str
) -> None:
    schema = await pool.fetchval("SELECT current_schema()")
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(service_url)
    await listener.add_listener(
        outbox.NOTIFY_CHANNEL_PREFIX + schema, lambda *args: heard.put_nowait(args[2])
    )
    try:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.append(conn, step_event(participant(1), 1), topic_prefix=topic_prefix)
            await outbox.append(conn, step_event(participant(2), 1), topic_prefix=topic_prefix)
            await asyncio.sleep(0.3)
            assert heard.empty()  # nothing before the commit: the rows are not visible yet
        assert await asyncio.wait_for(heard.get(), 10) == outbox.NOTIFY_CHANNEL_PREFIX + schema
        await asyncio.sleep(0.3)
        assert heard.empty()  # one wake-up for the transaction, however many rows
        assert await _unpublished(pool) == 2
    finally:
        await listener.close()
