"""A polled batch is applied in one Postgres transaction, a savepoint per event
(jkn_bus.batch): a failing handler rolls back its own event only, the other participants'
events commit with their inbox rows, and the failing participant's later events wait for
it (applied one by one after the batch, in order, the poison dead-lettered)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
from integration.bus.harness import SERVICE, participant, record_step, step_event
from jkn_bus.batch import apply_batch
from jkn_bus.consumer import EventConsumer
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import DeactivationRequested, ParticipantDeactivated
from unit.bus.test_forged_facts import _Producer

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"


def _raw(event: DeactivationRequested, offset: int) -> SimpleNamespace:
    """A polled record as aiokafka hands it over (one partition: offsets in order)."""
    return SimpleNamespace(
        topic=TOPIC,
        partition=0,
        offset=offset,
        key=event.participant_id.encode(),  # type: ignore[union-attr]
        value=event.model_dump_json().encode(),
        headers=(),
    )


async def _record_and_emit(uow: UnitOfWork, event: DeactivationRequested) -> None:
    """``record_step``, then an outbox row (a fact caused by the event)."""
    await record_step(uow, event)
    await uow.emit(
        uow.new_event(
            ParticipantDeactivated,
            participant_id=event.participant_id,
            payload={
                "no_kartu": "0002345678901",
                "reason": "pindah",
                "effective_date": "2026-04-01",
            },
        )
    )


def _consumer(pool: asyncpg.Pool, producer: _Producer) -> EventConsumer:
    async def get_producer() -> Any:
        return producer

    return EventConsumer(
        pool,
        get_producer,
        service=SERVICE,
        handlers={DeactivationRequested: _record_and_emit},
        max_attempts=2,
        backoff_s=(0.01,),
    )


async def _steps(pool: asyncpg.Pool, who: str) -> list[int]:
    rows = await pool.fetch(
        "SELECT step FROM test_applied WHERE participant = $1 ORDER BY seq", who
    )
    return [r["step"] for r in rows]


async def test_a_poison_event_rolls_back_its_savepoint_only_and_its_participant_waits_for_it(
    pool: asyncpg.Pool,
) -> None:
    healthy, poisoned = participant(201), participant(202)
    events = [
        step_event(healthy, 1),
        step_event(poisoned, 1),
        step_event(poisoned, 2, poison=True),
        step_event(healthy, 2),
        step_event(poisoned, 3),
        step_event(healthy, 2),  # a second copy of an event in the same batch
    ]
    events[5] = events[3]
    producer = _Producer()

    await apply_batch(
        _consumer(pool, producer),
        [_raw(e, offset) for offset, e in enumerate(events)],
        asyncio.Semaphore(4),
    )

    assert await _steps(pool, healthy) == [1, 2], "each event once, the copy absorbed"
    assert await _steps(pool, poisoned) == [1, 3], "in order, around the dead letter"
    inbox = {r["event_id"] for r in await pool.fetch("SELECT event_id FROM inbox")}
    assert inbox == {e.event_id for e in events} - {events[2].event_id}
    causes = {r["causation_id"] for r in await pool.fetch(
        "SELECT (convert_from(value, 'UTF8')::jsonb ->> 'causation_id')::uuid AS causation_id"
        " FROM outbox"
    )}  # fmt: skip
    assert causes == inbox, "an outbox row for every applied event, none for the poison"
    [(topic, value, key, headers)] = producer.sent
    assert (topic, key) == ("jkn.dlq.verification", poisoned.encode())
    assert value == events[2].model_dump_json().encode()
    assert dict(headers)["x-dlq-attempts"] == b"2", "its failure in the batch counted once"
