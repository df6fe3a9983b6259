"""The worker's attempts at intents whose outcome is unknown, their order per resident, and
their cancellation by an erasure (fake BPJS and tables; README, Intents)."""

from __future__ import annotations

import uuid
from datetime import date

from bpjs_gateway.adapters.bpjs_client import BpjsUnavailable
from bpjs_gateway.app import handlers
from jkn_contracts import ParticipantActivated, ParticipantDeactivated, ResidentDataErased
from unit.gateway_app.fakes import World, drain
from unit.gateway_app.test_handlers import (
    NIK,
    activate,
    on_participant_verified,
    on_slot_released,
    pid,
    slot_released,
    verified,
)


async def test_a_tambah_accepted_before_our_outcome_was_recorded_is_looked_up_not_filed_again() -> (
    None
):
    world = World()
    world.intents.crash_recording = 1  # BPJS accepted; our commit of its answer failed
    event = verified()
    uow = world.uow(event)

    assert await on_participant_verified(uow, event, deps=world.deps) == ["retry"]
    assert uow.emitted == []
    card = world.bpjs.by_nik(NIK)
    assert card is not None

    assert await drain(world.deps, uow) == ["resolved_by_lookup"]
    (activated,) = uow.emitted
    assert isinstance(activated, ParticipantActivated)
    assert activated.payload.no_kartu == card.no_kartu
    assert activated.causation_id == event.event_id
    assert len(world.bpjs.mutations("tambah")) == 1
    assert world.table.rows[pid()].status == "active"


async def test_a_tambah_whose_answer_was_lost_before_bpjs_acted_is_filed_after_the_look_up() -> (
    None
):
    world = World()
    world.bpjs.fail_next.append(BpjsUnavailable("read timeout"))
    event = verified()
    uow = world.uow(event)

    assert await on_participant_verified(uow, event, deps=world.deps) == ["retry"]
    assert await drain(world.deps, uow) == ["activated"]

    calls = [op for op, _ in world.bpjs.calls]
    assert calls[:3] == ["mutate", "peserta_by_nik", "mutate"]
    assert len(world.bpjs.mutations("tambah")) == 2  # the first never reached BPJS's books
    (activated,) = uow.emitted
    assert isinstance(activated, ParticipantActivated)


async def test_a_kurang_accepted_before_our_outcome_was_recorded_is_looked_up_not_filed_again() -> (
    None
):
    world = World()
    await activate(world)
    world.intents.crash_recording = 1
    event = slot_released()
    uow = world.uow(event)

    assert await on_slot_released(uow, event, deps=world.deps) == ["retry"]
    assert await drain(world.deps, uow) == ["resolved_by_lookup"]

    (deactivated,) = uow.emitted
    assert isinstance(deactivated, ParticipantDeactivated)
    assert deactivated.payload.effective_date == date(2025, 4, 1)
    assert len(world.bpjs.mutations("kurang")) == 1
    assert world.table.rows[pid()].status == "deactivated"


async def test_a_kurang_recorded_after_a_tambah_waits_for_it() -> None:
    world = World()
    verification, release = verified(), slot_released()
    uow = world.uow(verification)
    await handlers.on_participant_verified(uow, verification, deps=world.deps)
    await handlers.on_slot_released(uow, release, deps=world.deps)

    first = await world.intents.claim(["tambah", "kurang", "lookup"], 10, busy=())
    assert [i.operation for i in first] == ["tambah"]  # the kurang waits for its elder
    assert await world.intents.claim(["tambah", "kurang", "lookup"], 10, busy=()) == []

    world.intents.state[first[0].id] = "pending"  # give it back, carry both out in order
    world.intents.rows[first[0].id] = first[0]
    assert await drain(world.deps, uow) == ["activated", "deactivated"]
    assert [type(e) for e in uow.emitted] == [ParticipantActivated, ParticipantDeactivated]


async def test_an_erasure_cancels_the_residents_open_intents_and_nothing_is_filed() -> None:
    world = World()
    event = verified()
    uow = world.uow(event)
    await handlers.on_participant_verified(uow, event, deps=world.deps)
    # the handler reads only whom it is about
    erased = ResidentDataErased.model_construct(
        participant_id=pid(), event_id=uuid.uuid4(), correlation_id=event.correlation_id
    )

    await handlers.on_resident_data_erased(world.uow(erased), erased, deps=world.deps)

    assert world.intents.of(pid()) == [("tambah", "cancelled")]
    assert await drain(world.deps, uow) == []
    assert world.bpjs.calls == []
