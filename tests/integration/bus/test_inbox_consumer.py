"""Consuming with the idempotent inbox, retries and the dead-letter topic."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator

import asyncpg
import pytest
from integration.bus.harness import participant, record_step, settings, step_event
from jkn_bus.service import ServiceRuntime
from jkn_contracts import DeactivationRequested
from support.kafka import produce, read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"


@pytest.fixture
async def running(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str
) -> AsyncIterator[ServiceRuntime]:
    runtime = ServiceRuntime(
        settings(service_url, bootstrap, topic_prefix).model_copy(
            update={"consumer_max_attempts": 2}
        ),
        consumes=(TOPIC,),
        handlers={DeactivationRequested: record_step},
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


def _record(event) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    return event.participant_id.encode(), event.model_dump_json().encode()


async def _steps_applied(pool: asyncpg.Pool, who: str) -> list[int]:
    rows = await pool.fetch(
        "SELECT step FROM test_applied WHERE participant = $1 ORDER BY seq", who
    )
    return [r["step"] for r in rows]


async def test_a_message_delivered_twice_has_one_effect(
    running: ServiceRuntime, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    who = participant(7)
    twice = step_event(who, 1)
    marker = step_event(who, 2)
    await produce(
        bootstrap, topic_prefix + TOPIC, [_record(twice), _record(twice), _record(marker)]
    )

    assert await eventually(lambda: _steps_applied(pool, who)) is not None
    await eventually(lambda: _has_step(pool, who, 2))
    assert await _steps_applied(pool, who) == [1, 2]
    assert (
        await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", twice.event_id) == 1
    )


async def _has_step(pool: asyncpg.Pool, who: str, step: int) -> bool:
    return step in await _steps_applied(pool, who)


async def test_a_poison_message_is_dead_lettered_with_its_reason_and_the_next_ones_flow(
    running: ServiceRuntime, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    who = participant(8)
    poison = step_event(who, 2, poison=True)
    await produce(
        bootstrap,
        topic_prefix + TOPIC,
        [_record(step_event(who, 1)), _record(poison), _record(step_event(who, 3))],
    )

    await eventually(lambda: _has_step(pool, who, 3), timeout=60)
    assert await _steps_applied(pool, who) == [1, 3]

    dead = await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=1)
    mine = [r for r in dead if r.key == who.encode()]
    assert len(mine) == 1
    headers = {k: v.decode() for k, v in mine[0].headers}
    # a code and the exception's class: its text ("evidence_ref marks a poison message")
    # could as well have quoted the record
    assert headers["x-dlq-reason"] == "HANDLER_FAILED: ValueError"
    assert headers["x-original-topic"] == topic_prefix + TOPIC
    assert headers["x-dlq-attempts"] == "2"
    row = await pool.fetchrow('SELECT partition, "offset" FROM dead_letters')
    assert (str(row["partition"]), str(row["offset"])) == (
        headers["x-original-partition"],
        headers["x-original-offset"],
    )
    assert mine[0].value == poison.model_dump_json().encode(), "the original record is kept whole"


async def test_a_record_that_is_not_a_valid_event_is_dead_lettered_at_once_with_the_failing_fields(
    running: ServiceRuntime, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    who = participant(9)
    bad = b'{"event_type": "ParticipantRegistered", "participant_id": "1571010101900001"}'
    await produce(
        bootstrap, topic_prefix + TOPIC, [(who.encode(), bad), _record(step_event(who, 1))]
    )

    await eventually(lambda: _has_step(pool, who, 1))
    dead = await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=1)
    mine = [r for r in dead if r.key == who.encode()]
    reason = dict((k, v.decode()) for k, v in mine[0].headers)["x-dlq-reason"]
    # the error types only (the record itself is the dead letter's value)
    assert reason == "INVALID_EVENT: ValidationError (missing, string_pattern_mismatch)"
    assert "1571010101900001" not in reason, "a NIK-like input is never echoed in the reason"


async def test_per_participant_order_holds_when_the_consumer_is_killed_and_restarted(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str, spawn
) -> None:
    participants, steps = 5, 150
    records = [
        _record(step_event(participant(100 + n), s))
        for s in range(1, steps + 1)
        for n in range(participants)
    ]
    await produce(bootstrap, topic_prefix + TOPIC, records)

    first = spawn("consumer_process.py", service_url, bootstrap, topic_prefix)
    await eventually(lambda: _applied_at_least(pool, 100), timeout=60, interval=0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    applied_before_restart = await pool.fetchval("SELECT count(*) FROM test_applied")
    assert applied_before_restart < len(records), (
        "the consumer must die mid-way for this test to mean anything"
    )

    spawn("consumer_process.py", service_url, bootstrap, topic_prefix)
    await eventually(lambda: _applied_at_least(pool, len(records)), timeout=90)
    for n in range(participants):
        assert await _steps_applied(pool, participant(100 + n)) == list(range(1, steps + 1))
    assert await pool.fetchval("SELECT count(*) FROM test_applied") == len(records), (
        "no effect twice"
    )


async def _applied_at_least(pool: asyncpg.Pool, n: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM test_applied")) >= n
