"""Every fact names its journey and its cause: a unit of work's ``new_event`` links what it
writes to the event being handled, and a first cause (a command, a submission) opens one
journey that all its facts share (jkn_bus.unit_of_work)."""

from __future__ import annotations

import uuid

from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import Actor, SlotReleased
from jkn_contracts.events import SlotReleasedPayload

PID = "P" + "a1" * 12
VERIFIER = Actor(id="act_" + "0f" * 12, agency="dinkes", kind="person")
PAYLOAD = SlotReleasedPayload(reason="pindah", quota_used=9, quota_total=10)


def unit_of_work(**kwargs: object) -> UnitOfWork:
    # new_event and correlation_id never touch the connection
    return UnitOfWork(None, topic_prefix="", **kwargs)  # type: ignore[arg-type]


def test_a_command_s_facts_all_join_the_one_journey_it_opens() -> None:
    uow = unit_of_work(actor=VERIFIER)

    first = uow.new_event(SlotReleased, participant_id=PID, payload=PAYLOAD)
    second = uow.new_event(SlotReleased, participant_id=PID, payload=PAYLOAD)

    assert first.correlation_id == second.correlation_id == uow.correlation_id
    assert first.causation_id is None  # a command is not an event


def test_each_command_opens_a_journey_of_its_own() -> None:
    assert unit_of_work().correlation_id != unit_of_work().correlation_id


def test_a_fact_caused_by_an_event_continues_its_journey_and_names_it_as_cause() -> None:
    cause = SlotReleased(participant_id=PID, correlation_id=uuid.uuid4(), payload=PAYLOAD)
    uow = unit_of_work(cause=cause)

    fact = uow.new_event(SlotReleased, participant_id=PID, payload=PAYLOAD)

    assert isinstance(fact, SlotReleased)
    assert fact.correlation_id == cause.correlation_id
    assert fact.causation_id == cause.event_id
    assert fact.participant_id == PID
