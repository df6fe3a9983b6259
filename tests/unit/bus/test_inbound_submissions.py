"""A submission on an agency system's inbound topic is applied as the system's command: its
unit of work carries the system's actor (the topic's one writer: a record does not say who
wrote it) and the topic's spec; anything else on an inbound topic, or a submission anywhere
else, is dead-lettered at once with EVENT_NOT_OF_TOPIC; an unreadable one as invalid. The
answer goes to the reply topic through the outbox, and only there."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from jkn_bus.auth import actor_id
from jkn_bus.consumer import EVENT_NOT_OF_TOPIC, EventConsumer, Record
from jkn_bus.unit_of_work import KAFKA_ISSUER, UnitOfWork, system_actor
from jkn_contracts import (
    INBOUND,
    DeactivationRequested,
    FindingSubmitted,
    ProposalSubmitted,
    SubmissionRefused,
    participant_id_for,
)
from unit.bus.test_forged_facts import _Producer

PREFIX = "tunit."
KEY = "unit-pseudonym-key"
NIK = "1571015505900001"
DINSOS, KELURAHAN = INBOUND


class _Conn:
    """An inbox that has never seen the event; an outbox that keeps what it is given."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        yield

    def is_in_transaction(self) -> bool:
        return True

    async def fetchval(self, *args: Any) -> bool:
        return True

    async def execute(self, sql: str, *args: Any) -> str:
        self.statements.append((sql, args))
        return "OK"


class _Pool:
    def __init__(self) -> None:
        self.executed: list[tuple[Any, ...]] = []
        self.conn = _Conn()

    async def execute(self, *args: Any) -> None:
        self.executed.append(args)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_Conn]:
        yield self.conn


def _consumer(seen: list[tuple[UnitOfWork, Any]]) -> tuple[EventConsumer, _Producer, _Pool]:
    producer, pool = _Producer(), _Pool()

    async def handle(uow: UnitOfWork, event: Any) -> None:
        seen.append((uow, event))

    async def get_producer() -> Any:
        return producer

    consumer = EventConsumer(
        pool,  # type: ignore[arg-type]
        get_producer,
        service="enrollment",
        handlers={ProposalSubmitted: handle, FindingSubmitted: handle},
        topic_prefix=PREFIX,
        actor_key=KEY,
    )
    return consumer, producer, pool


def _proposal() -> ProposalSubmitted:
    return ProposalSubmitted.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "submission_id": "siks-2026-000001",
            "payload": {
                "nik": NIK,
                "kk": "1571010101150003",
                "name": "Siti Aminah",
                "sex": "P",
                "birth_date": "1990-05-15",
                "kelurahan": "1571011001",
                "source": "dtks",
                "proposed_by": "siks-ng",
            },
        }
    )


def _finding() -> FindingSubmitted:
    return FindingSubmitted.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "submission_id": "tlp-2026-17",
            "payload": {
                "nik": NIK,
                "reason": "pindah",
                "evidence_ref": "SURAT-PINDAH/7",
                "officer": "sekretaris",
                "kelurahan": "1571011001",
            },
        }
    )


def _record(topic: str, value: bytes, key: bytes = b"siks-2026-000001") -> Record:
    return Record(PREFIX + topic, 1, 42, key, value, [])


def _reason(producer: _Producer) -> str:
    [(_topic, _value, _key, headers)] = producer.sent
    return dict(headers)["x-dlq-reason"].decode()


def test_a_system_acts_as_the_pseudonym_of_its_kafka_principal() -> None:
    actor = system_actor(DINSOS, KEY)
    assert (actor.agency, actor.kind) == ("dinsos", "system")
    assert actor.id == actor_id(KAFKA_ISSUER, "User:dinsos-siks", KEY)
    assert system_actor(KELURAHAN, KEY).agency == "kelurahan"
    assert system_actor(KELURAHAN, KEY).id != actor.id
    assert system_actor(DINSOS, "another-city").id != actor.id


async def test_a_submission_on_its_inbound_topic_is_applied_as_its_system_s_command() -> None:
    seen: list[tuple[UnitOfWork, Any]] = []
    consumer, producer, _ = _consumer(seen)
    submitted = _proposal()

    outcome = await consumer.process(_record(DINSOS.name, submitted.model_dump_json().encode()))

    assert outcome == "applied"
    assert producer.sent == []
    [(uow, event)] = seen
    assert event == submitted
    assert uow.actor == system_actor(DINSOS, KEY)
    assert uow.inbound is DINSOS
    assert uow.causation_id == submitted.event_id
    journey = uow.correlation_id  # a first cause: one journey of its own, not the record's
    assert journey == uow.correlation_id
    assert journey != submitted.event_id


async def test_a_finding_on_the_kelurahan_s_topic_names_that_kelurahan_s_system() -> None:
    seen: list[tuple[UnitOfWork, Any]] = []
    consumer, _, _ = _consumer(seen)

    record = _record(KELURAHAN.name, _finding().model_dump_json().encode(), b"tlp-2026-17")
    assert await consumer.process(record) == "applied"

    [(uow, _)] = seen
    assert uow.inbound is KELURAHAN
    assert uow.inbound.kelurahan == "1571011001"
    assert uow.actor == system_actor(KELURAHAN, KEY)


@pytest.mark.parametrize(
    ("topic", "make"),
    [
        (KELURAHAN.name, _proposal),  # a proposal on the kelurahan's topic
        (DINSOS.name, _finding),  # a finding on Dinsos's topic
        ("jkn.dinsos.participants", _proposal),  # a submission on a fact topic
        (DINSOS.reply_topic, _proposal),  # a submission on a reply topic
    ],
    ids=["proposal-on-kelurahan", "finding-on-dinsos", "on-fact-topic", "on-reply-topic"],
)
async def test_a_submission_off_its_own_inbound_topic_is_refused(topic: str, make: Any) -> None:
    seen: list[tuple[UnitOfWork, Any]] = []
    consumer, producer, _ = _consumer(seen)

    assert await consumer.process(_record(topic, make().model_dump_json().encode())) == (
        "dead_lettered"
    )

    assert seen == []
    reason = _reason(producer)
    assert reason.startswith(EVENT_NOT_OF_TOPIC)
    assert "by an agency system" in reason
    assert NIK not in reason


async def test_a_fact_or_an_answer_written_onto_an_inbound_topic_is_refused() -> None:
    fact = DeactivationRequested(
        participant_id=participant_id_for(NIK, KEY),
        correlation_id=uuid.uuid4(),
        payload={"reason": "pindah", "evidence_ref": "x", "reported_by": "y"},
    )
    answer = SubmissionRefused(
        correlation_id=uuid.uuid4(),
        payload={
            "submission_id": "s-1",
            "submission_type": "ProposalSubmitted",
            "reasons": [{"field": "nik", "rule": "NIK_FORMAT"}],
        },
    )
    for forged in (fact, answer):
        seen: list[tuple[UnitOfWork, Any]] = []
        consumer, producer, _ = _consumer(seen)
        record = _record(DINSOS.name, forged.model_dump_json().encode())
        assert await consumer.process(record) == "dead_lettered"
        assert seen == []
        assert _reason(producer).startswith(
            f"{EVENT_NOT_OF_TOPIC}: {forged.event_type} (by dinsos)"
        )


async def test_an_unreadable_submission_is_dead_lettered_as_invalid_without_its_values() -> None:
    seen: list[tuple[UnitOfWork, Any]] = []
    consumer, producer, _ = _consumer(seen)
    broken = json.loads(_proposal().model_dump_json())
    broken["payload"]["nickname"] = NIK  # not a field of the form
    del broken["event_id"]  # no id: a redelivery could not be recognised

    record = _record(DINSOS.name, json.dumps(broken).encode())
    assert await consumer.process(record) == "dead_lettered"

    assert seen == []
    reason = _reason(producer)
    assert reason.lower().startswith("invalid")
    assert NIK not in reason
    assert producer.sent[0][1] == record.value, "the original record is kept whole"


async def test_an_answer_goes_to_the_reply_topic_it_names_and_nowhere_else() -> None:
    conn = _Conn()
    uow = UnitOfWork(conn, topic_prefix=PREFIX, actor=system_actor(DINSOS, KEY))  # type: ignore[arg-type]
    answer = SubmissionRefused(
        correlation_id=uuid.uuid4(),
        payload={
            "submission_id": "siks-9",
            "submission_type": "ProposalSubmitted",
            "reasons": [{"field": "sex", "rule": "NIK_SEX_MISMATCH"}],
        },
    )

    await uow.emit(answer, topic=DINSOS.reply_topic)
    with pytest.raises(ValueError, match="does not travel on"):
        await uow.emit(answer, topic="jkn.dinsos.participants")
    with pytest.raises(KeyError):  # an answer has no topic of its own: it must be named
        await uow.emit(answer)

    # one row (the outbox's rows are written as columns of arrays, one statement a batch)
    [(_sql, args)] = [s for s in conn.statements if "INSERT INTO outbox" in s[0]]
    assert args[2] == [PREFIX + DINSOS.reply_topic]
    assert args[3] == ["siks-9"], "keyed by the sender's submission id"
    assert json.loads(args[4][0])["actor"] == system_actor(DINSOS, KEY).model_dump()
