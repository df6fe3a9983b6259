"""A consumer applies only the events of the topic a record arrived on: the rest are forged
facts (an event states its producer, and each producer owns its topic), dead-lettered at once
with ``EVENT_NOT_OF_TOPIC``, never applied and never retried."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from jkn_bus.consumer import EVENT_NOT_OF_TOPIC, EventConsumer, Record
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import (
    DeactivationRequested,
    ParticipantActivated,
    participant_id_for,
)

PREFIX = "tunit."
WHO = participant_id_for("1571010101900001", "unit-key")


class _Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]] = []

    async def send_and_wait(
        self, topic: str, *, value: bytes | None, key: bytes | None, headers: Any
    ) -> SimpleNamespace:
        self.sent.append((topic, value, key, list(headers)))
        return SimpleNamespace(partition=0, offset=len(self.sent) - 1)  # RecordMetadata's


class _Conn:
    """An inbox that has never seen the event: ``INSERT ... RETURNING true`` answers true."""

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    async def fetchval(self, *args: Any) -> bool:
        return True


class _Pool:
    """What dead-lettering and applying touch."""

    def __init__(self) -> None:
        self.executed: list[tuple[Any, ...]] = []

    async def execute(self, *args: Any) -> None:
        self.executed.append(args)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_Conn]:
        yield _Conn()


def _deactivation() -> DeactivationRequested:
    return DeactivationRequested(
        participant_id=WHO,
        correlation_id=uuid.uuid4(),
        payload={"reason": "pindah", "evidence_ref": "surat-1571", "reported_by": "kelurahan"},
    )


def _activation() -> ParticipantActivated:
    return ParticipantActivated.model_validate(
        {
            "participant_id": WHO,
            "correlation_id": str(uuid.uuid4()),
            "payload": {
                "proposal_id": str(uuid.uuid4()),
                "no_kartu": "0001234567890",
                "kd_provider": "0101U001",
                "nm_provider": "PUSKESMAS TELANAIPURA",
                "effective_date": "2026-01-01",
            },
        }
    )


def _consumer(
    applied: list[Any],
) -> tuple[EventConsumer, _Producer, _Pool]:
    producer, pool = _Producer(), _Pool()

    async def apply(uow: UnitOfWork, event: Any) -> None:
        applied.append(event)

    async def get_producer() -> Any:
        return producer

    consumer = EventConsumer(
        pool,  # type: ignore[arg-type]
        get_producer,
        service="verification",
        handlers={DeactivationRequested: apply, ParticipantActivated: apply},
        topic_prefix=PREFIX,
    )
    return consumer, producer, pool


def _record(topic: str, event: Any, offset: int = 7) -> Record:
    return Record(
        topic=PREFIX + topic,
        partition=2,
        offset=offset,
        key=event.participant_id.encode(),
        value=event.model_dump_json().encode(),
        headers=[("x-dlq-reason", b"forged earlier reason")],
    )


async def test_a_dinsos_event_on_the_bpjs_topic_is_dead_lettered_at_once_and_not_applied() -> None:
    applied: list[Any] = []
    consumer, producer, pool = _consumer(applied)
    forged = _deactivation()

    outcome = await consumer.process(_record("jkn.bpjs.participants", forged))

    assert outcome == "dead_lettered"
    assert applied == [], "a forged fact is never applied"
    [(topic, value, key, headers)] = producer.sent
    assert topic == PREFIX + "jkn.dlq.verification"
    assert value == forged.model_dump_json().encode(), "the original record is kept whole"
    assert key == WHO.encode()
    got = dict(headers)
    reason = got["x-dlq-reason"].decode()
    assert reason.startswith(EVENT_NOT_OF_TOPIC)
    assert "DeactivationRequested" in reason
    assert "jkn.bpjs.participants" in reason
    assert "surat-1571" not in reason, "the payload is never echoed"
    assert got["x-dlq-attempts"] == b"1", "no retry: retrying cannot make it true"
    assert got["x-original-topic"] == (PREFIX + "jkn.bpjs.participants").encode()
    assert [h for h in headers if h[0] == "x-dlq-reason"] == [("x-dlq-reason", reason.encode())]
    [(_sql, *row)] = pool.executed
    assert row[:3] == [PREFIX + "jkn.bpjs.participants", 2, 7]


@pytest.mark.parametrize(
    ("topic", "make"),
    [
        ("jkn.dinsos.participants", _activation),  # BPJS's answer "stated" on Dinsos's topic
        ("jkn.dinkes.verifications", _deactivation),
        ("jkn.notifications.messages", _deactivation),
        ("jkn.dlq.enrollment", _deactivation),  # not a catalogue topic at all
    ],
)
async def test_any_event_off_its_own_topic_is_refused(topic: str, make: Any) -> None:
    applied: list[Any] = []
    consumer, producer, _ = _consumer(applied)
    assert await consumer.process(_record(topic, make())) == "dead_lettered"
    assert applied == []
    assert dict(producer.sent[0][3])["x-dlq-reason"].startswith(EVENT_NOT_OF_TOPIC.encode())


@pytest.mark.parametrize(
    ("topic", "make"),
    [("jkn.dinsos.participants", _deactivation), ("jkn.bpjs.participants", _activation)],
)
async def test_an_event_on_its_own_topic_is_applied(topic: str, make: Any) -> None:
    applied: list[Any] = []
    consumer, producer, _ = _consumer(applied)
    event = make()
    assert await consumer.process(_record(topic, event)) == "applied"
    assert [e.event_id for e in applied] == [event.event_id]
    assert producer.sent == []
