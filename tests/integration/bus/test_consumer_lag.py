"""The jkn_consumer_lag gauge: records of each assigned partition not yet applied; and
/health, which calls a consumer stalled when records wait and nothing is committed."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from integration.bus.harness import APPLIED_TABLE, participant, record_step, settings, step_event
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app
from jkn_contracts import DeactivationRequested, topic_for
from prometheus_client import REGISTRY
from support.kafka import produce
from support.polling import eventually

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"


def lag_by_partition(topic: str) -> dict[str, float]:
    return {
        s.labels["partition"]: s.value
        for metric in REGISTRY.collect()
        if metric.name == "jkn_consumer_lag"
        for s in metric.samples
        if s.labels["topic"] == topic
    }


def held_runtime(base: BusSettings, gate: asyncio.Event, **changes: float) -> ServiceRuntime:
    """A runtime whose handler records each event once ``gate`` is set, not before."""

    async def held(uow: UnitOfWork, event: DeactivationRequested) -> None:
        await gate.wait()
        await record_step(uow, event)

    return ServiceRuntime(
        base.model_copy(update=changes),
        migrations=[("9000_test_applied.sql", APPLIED_TABLE)],
        consumes=(TOPIC,),
        handlers={DeactivationRequested: held},
    )


async def test_lag_counts_records_until_they_are_applied_then_drops_to_zero(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str
) -> None:
    gate = asyncio.Event()
    runtime = held_runtime(
        settings(service_url, bootstrap, topic_prefix), gate, consumer_lag_interval_s=0.2
    )
    events = [step_event(participant(n), 1) for n in range(12)]
    topic = topic_for("DeactivationRequested", topic_prefix)
    await runtime.start()
    try:
        await produce(
            bootstrap,
            topic,
            [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
        )

        async def all_waiting() -> dict[str, float]:
            lags = lag_by_partition(topic)
            return lags if sum(lags.values()) == len(events) else {}

        waiting = await eventually(all_waiting, timeout=30)
        assert len(waiting) == 6  # every partition of the topic has a series

        gate.set()

        async def caught_up() -> bool:
            lags = lag_by_partition(topic)
            return len(lags) == 6 and sum(lags.values()) == 0

        await eventually(caught_up, timeout=30)
        assert await pool.fetchval("SELECT count(*) FROM test_applied") == len(events)
    finally:
        gate.set()
        await runtime.stop()


async def test_health_answers_503_while_records_wait_and_nothing_is_committed_then_ok(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str
) -> None:
    """A consumer stuck on its batch (here a handler that does not return) is what a
    wedged client looks like from outside: records wait, nothing is committed. /health
    says so with a 503 once that lasted ``consumer_stall_after_s``, and is fine again once
    the batch is committed."""
    gate = asyncio.Event()  # the handler does not return until it is set
    runtime = held_runtime(
        settings(service_url, bootstrap, topic_prefix),
        gate,
        consumer_lag_interval_s=0.2,
        consumer_stall_after_s=2.0,
    )
    events = [step_event(participant(n), 1) for n in range(3)]
    await runtime.start()
    app = create_app(runtime, title="bus test", description="liveness")
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://svc"
        ) as http:
            assert (await http.get("/health")).status_code == 200
            await produce(
                bootstrap,
                topic_for("DeactivationRequested", topic_prefix),
                [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
            )

            async def stalled() -> httpx.Response | None:
                answer = await http.get("/health")
                return answer if answer.status_code == 503 else None

            answer = await eventually(stalled, timeout=30)
            body = answer.json()
            assert body["status"] == "stalled"
            assert body["consumer"]["stalled"] == "NO_PROGRESS"
            assert body["consumer"]["lag"] == len(events)

            gate.set()

            async def healthy() -> dict[str, object] | None:
                answer = await http.get("/health")
                return answer.json() if answer.status_code == 200 else None

            body = await eventually(healthy, timeout=30)
            assert body["status"] == "ok"
            assert body["consumer"]["stalled"] is None
        assert await pool.fetchval("SELECT count(*) FROM test_applied") == len(events)
    finally:
        gate.set()
        await runtime.stop()
