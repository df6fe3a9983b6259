"""A handler that fails because the database is away (a restart, a refused or lost
connection, the pool's own client-side state errors while Postgres comes back) is retried
until it is applied: an outage is never a reason to dead-letter a resident's event."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from jkn_bus.consumer import Record
from jkn_bus.unit_of_work import UnitOfWork
from unit.bus.test_dead_letter_reasons import _consumer
from unit.bus.test_forged_facts import _deactivation

OUTAGES = [
    ConnectionRefusedError(111, "Connect call failed"),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    # asyncpg's pool while Postgres restarts: "connect() called while another connection
    # already exists" (seen in a fault-suite run at the end of a Postgres restart)
    asyncpg.exceptions.InternalClientError("PoolConnectionHolder.connect() called"),
]


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda e: type(e).__name__)
async def test_an_event_met_by_a_database_outage_is_applied_once_it_is_back(
    outage: Exception,
) -> None:
    failures, applied = [outage] * 3, []

    async def apply(uow: UnitOfWork, event: Any) -> None:
        if failures:
            raise failures.pop()
        applied.append(event)

    consumer, producer, _ = _consumer(apply)  # one ordinary failure would dead-letter it
    event = _deactivation()
    record = Record(
        "jkn.dinsos.participants", 0, 5, event.participant_id.encode(),  # type: ignore[union-attr]
        event.model_dump_json().encode(), [],
    )  # fmt: skip

    assert await consumer.process(record) == "applied"
    assert applied == [event]
    assert producer.sent == [], "nothing went to the dead-letter topic"
