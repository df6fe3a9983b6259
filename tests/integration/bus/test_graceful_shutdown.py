"""SIGTERM mid-stream: the batch in flight is finished and committed, nothing is left
half-processed, the process exits 0 within its bound, and a restart applies the rest:
every event exactly once, in each participant's order."""

from __future__ import annotations

import asyncio
import signal
import subprocess

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from integration.bus.harness import participant, settings, step_event
from integration.bus.relay_process import LOGIN
from jkn_bus import outbox
from jkn_bus.broker import make_producer
from jkn_bus.relay import OutboxRelay
from jkn_devstack.credentials import admin_kafka_kwargs
from support.kafka import produce
from support.polling import eventually

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"
PARTICIPANTS, STEPS = 5, 120
# The runtime's grace (shutdown_grace_s, 8 s) for the batch and again for the relay, and
# the seconds uvicorn and the clients take to close: past this, the process hung.
EXIT_BOUND_S = 25


async def _applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM test_applied"))


async def _committed_offsets(bootstrap: str, group: str) -> int:
    """How many records the group has committed past, over every partition."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **admin_kafka_kwargs())
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(meta.offset for meta in offsets.values() if meta.offset > 0)


async def test_sigterm_mid_batch_commits_what_is_done_exits_0_and_a_restart_applies_each_event_once(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str, spawn
) -> None:
    events = [
        step_event(participant(200 + n), s)
        for s in range(1, STEPS + 1)
        for n in range(PARTICIPANTS)
    ]
    await produce(
        bootstrap,
        topic_prefix + TOPIC,
        [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
    )
    group = settings(service_url, bootstrap, topic_prefix).consumer_group

    first = spawn("service_process.py", service_url, bootstrap, topic_prefix)
    await eventually(lambda: _at_least(pool, 100), timeout=60, interval=0.05)
    first.send_signal(signal.SIGTERM)
    try:
        code = first.wait(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {EXIT_BOUND_S} s after SIGTERM")
    assert code == 0, "a SIGTERM is an orderly stop, not a crash"

    applied = await _applied(pool)
    assert applied < len(events), "the process must stop mid-stream for this test to mean anything"
    # Every transaction that committed recorded its event in the inbox and its effect, and
    # the batch in flight was finished: its offsets are committed, none past an unapplied one.
    assert await pool.fetchval("SELECT count(*) FROM inbox") == applied
    assert await _committed_offsets(bootstrap, group) == applied, "nothing half-processed"

    spawn("service_process.py", service_url, bootstrap, topic_prefix)
    await eventually(lambda: _at_least(pool, len(events)), timeout=120)
    for n in range(PARTICIPANTS):
        rows = await pool.fetch(
            "SELECT step FROM test_applied WHERE participant = $1 ORDER BY seq",
            participant(200 + n),
        )
        assert [r["step"] for r in rows] == list(range(1, STEPS + 1))
    assert await _applied(pool) == len(events), "no event applied twice"


async def test_sigterm_past_the_grace_abandons_the_batch_without_a_trace_and_a_restart_redoes_it(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str, spawn
) -> None:
    # 0.1 s of grace for a batch taking about a second: the batch in flight is cut short
    events = [
        step_event(participant(400 + n), s)
        for s in range(1, STEPS + 1)
        for n in range(PARTICIPANTS)
    ]
    await produce(
        bootstrap,
        topic_prefix + TOPIC,
        [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
    )
    group = settings(service_url, bootstrap, topic_prefix).consumer_group
    before = await _committed_offsets(bootstrap, group)  # the module's earlier test's records

    first = spawn("service_process.py", service_url, bootstrap, topic_prefix, "0.1")
    await eventually(lambda: _at_least(pool, 100), timeout=60, interval=0.05)
    first.send_signal(signal.SIGTERM)
    try:
        code = first.wait(timeout=EXIT_BOUND_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {EXIT_BOUND_S} s after SIGTERM")
    assert code == 0

    applied = await _applied(pool)
    assert applied < len(events)
    # each transaction whole or not at all; no offset committed past an unapplied record
    assert await pool.fetchval("SELECT count(*) FROM inbox") == applied
    assert await _committed_offsets(bootstrap, group) - before <= applied

    spawn("service_process.py", service_url, bootstrap, topic_prefix)
    await eventually(lambda: _at_least(pool, len(events)), timeout=120)
    for n in range(PARTICIPANTS):
        rows = await pool.fetch(
            "SELECT step FROM test_applied WHERE participant = $1 ORDER BY seq",
            participant(400 + n),
        )
        assert [r["step"] for r in rows] == list(range(1, STEPS + 1))
    assert await _applied(pool) == len(events), "the redelivered records were absorbed"


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await _applied(pool) >= n


async def test_a_stopping_relay_publishes_every_row_committed_before_it_was_asked_to_stop(
    pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    relay = OutboxRelay(
        pool,
        lambda: make_producer(bootstrap, client_id="relay-stop-test", login=LOGIN),
        service="verification",
        schema="verification",
        batch_size=50,
        poll_interval_s=0.2,
    )
    running = asyncio.create_task(relay.run())
    await asyncio.wait_for(relay.active.wait(), 30)
    written: list[str] = []
    for step in range(1, 61):
        for n in range(5):
            event = step_event(participant(300 + n), step)
            async with pool.acquire() as conn, conn.transaction():
                await outbox.append(conn, event, topic_prefix=topic_prefix)
            written.append(str(event.event_id))

    relay.stop()  # the rows above are still being sent, fifty at a time
    await asyncio.wait_for(running, EXIT_BOUND_S)

    # a row is marked published only once the broker acknowledged its send (jkn_bus.relay)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == len(written)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
