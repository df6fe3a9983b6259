"""Dead-letter reasons (x-dlq-reason, the dead_letters row, the log line) are a code and an
exception's class or validated names, never an exception's text or the record's input; of
the original record's headers only the trace context is copied."""

from __future__ import annotations

import json
import uuid
from typing import Any

from jkn_bus.consumer import HANDLER_FAILED, INVALID_EVENT, EventConsumer, Record
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import DeactivationRequested, participant_id_for
from unit.bus.test_forged_facts import _Pool, _Producer

SECRET = "Kanari Penanda Unik 1571019999990001"  # noqa: S105 - a resident's data, not a password
DETAIL = f"duplicate key value violates unique constraint\nDETAIL:  Key (nik)=({SECRET}) exists."


class _RowError(Exception):
    """Like asyncpg's: the text quotes the row."""


def _consumer(handler: Any) -> tuple[EventConsumer, _Producer, _Pool]:
    producer, pool = _Producer(), _Pool()

    async def get_producer() -> Any:
        return producer

    consumer = EventConsumer(
        pool,  # type: ignore[arg-type]
        get_producer,
        service="verification",
        handlers={DeactivationRequested: handler},
        max_attempts=1,
    )
    return consumer, producer, pool


def _deactivation() -> DeactivationRequested:
    return DeactivationRequested(
        participant_id=participant_id_for("1571019999990001", "unit-key"),
        correlation_id=uuid.uuid4(),
        payload={"reason": "pindah", "evidence_ref": SECRET[:60], "reported_by": "kelurahan"},
    )


def _headers(producer: _Producer) -> dict[str, bytes]:
    return dict(producer.sent[0][3])


async def test_a_failing_handler_is_dead_lettered_with_a_code_and_its_class() -> None:
    async def fails(uow: UnitOfWork, event: Any) -> None:
        raise _RowError(DETAIL)

    consumer, producer, pool = _consumer(fails)
    event = _deactivation()
    record = Record(
        "jkn.dinsos.participants",
        0,
        3,
        event.participant_id.encode(),  # type: ignore[union-attr]
        event.model_dump_json().encode(),
        [
            ("traceparent", b"00-" + b"1" * 32 + b"-" + b"2" * 16 + b"-01"),
            ("x-note", SECRET.encode()),
        ],
    )
    assert await consumer.process(record) == "dead_lettered"
    headers = _headers(producer)
    assert headers["x-dlq-reason"] == f"{HANDLER_FAILED}: _RowError".encode()
    assert "x-note" not in headers, "only the trace context of the original's headers is kept"
    assert "traceparent" in headers
    [(_sql, *row)] = pool.executed
    assert row[3] == f"{HANDLER_FAILED}: _RowError"


async def test_an_invalid_record_is_dead_lettered_with_the_error_types_only() -> None:
    async def never(uow: UnitOfWork, event: Any) -> None:
        raise AssertionError

    consumer, producer, _ = _consumer(never)
    value = json.loads(_deactivation().model_dump_json())
    value["payload"]["reason"] = SECRET  # not one of the reasons
    value[SECRET.replace(" ", "_")] = SECRET  # a field nobody declared, named by the sender
    record = Record("jkn.dinsos.participants", 0, 4, None, json.dumps(value).encode(), [])
    assert await consumer.process(record) == "dead_lettered"
    got = _headers(producer)["x-dlq-reason"].decode()
    assert got.startswith(f"{INVALID_EVENT}: ValidationError (")
    assert "Kanari" not in got
    assert "1571019999990001" not in got
