"""A forged fact is dead-lettered, never applied: a DeactivationRequested (Dinas Sosial's
fact) that reached BPJS's topic — written by an operator's super user, since no service's
principal may write there — goes to the consumer's dead-letter topic at once with the reason
code EVENT_NOT_OF_TOPIC, and the same event on its own topic is applied as usual."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from integration.bus.harness import participant, record_step, settings, step_event
from jkn_bus.consumer import EVENT_NOT_OF_TOPIC
from jkn_bus.service import ServiceRuntime
from jkn_contracts import DeactivationRequested
from support.kafka import produce, read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

OWN = "jkn.dinsos.participants"
OTHER = "jkn.bpjs.participants"  # verification reads it too, but DeactivationRequested is not of it


@pytest.fixture
async def running(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str
) -> AsyncIterator[ServiceRuntime]:
    runtime = ServiceRuntime(
        settings(service_url, bootstrap, topic_prefix),
        consumes=(OWN, OTHER),
        handlers={DeactivationRequested: record_step},
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


async def test_a_deactivation_request_on_the_bpjs_topic_is_dead_lettered_and_not_applied(
    running: ServiceRuntime, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    who = participant(31)
    forged, genuine = step_event(who, 1), step_event(who, 2)
    # support.kafka writes as jkn-admin: the only principal that can put it there
    await produce(
        bootstrap, topic_prefix + OTHER, [(who.encode(), forged.model_dump_json().encode())]
    )
    await produce(
        bootstrap, topic_prefix + OWN, [(who.encode(), genuine.model_dump_json().encode())]
    )

    dead = await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=1)
    [record] = [r for r in dead if r.key == who.encode()]
    headers = {k: v.decode() for k, v in record.headers}
    assert headers["x-dlq-reason"].startswith(EVENT_NOT_OF_TOPIC)
    assert headers["x-original-topic"] == topic_prefix + OTHER
    assert headers["x-dlq-attempts"] == "1"
    assert "evidence_ref" not in headers["x-dlq-reason"], "the input is never echoed"
    assert record.value == forged.model_dump_json().encode()

    async def genuine_applied() -> bool:
        steps = await pool.fetch("SELECT step FROM test_applied WHERE participant = $1", who)
        return [r["step"] for r in steps] == [2]

    await eventually(genuine_applied, timeout=60)
    assert not await pool.fetchval(
        "SELECT count(*) FROM inbox WHERE event_id = $1", forged.event_id
    ), "a forged fact never reaches the inbox"
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM dead_letters WHERE reason LIKE $1", EVENT_NOT_OF_TOPIC + "%"
        )
        == 1
    )
