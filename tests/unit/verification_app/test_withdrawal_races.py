"""A deactivation that meets BPJS's tambah (docs/domain.md#withdrawal-races): in either
delivery order the resident ends deactivated at BPJS (a SlotReleased, so the gateway files
the kurang), never rejected here while active there; the slot is released exactly once."""

from __future__ import annotations

import uuid
from datetime import date

from jkn_contracts import (
    DeactivationReason,
    EventBase,
    ParticipantDeactivated,
    RegistrationRefused,
)
from jkn_contracts.events import DeactivatedPayload, RefusedPayload
from unit.verification_app.fakes import World
from unit.verification_app.test_handlers import (
    _deactivation,
    activation,
    decided,
    handle,
    pid,
    types,
)
from verification.app.model import Status


async def admitted_from_waiting_list(world: World) -> EventBase:
    """The observed race's start: resident 2 waits behind 1; 1 leaves (active) and 2 is
    admitted, ParticipantVerified sent, the gateway about to file the tambah."""
    first = await decided(world, 1)
    await handle(world, "on_participant_activated", activation(first))
    await decided(world, 2)  # waits
    world.clock.tick()
    _, admitted = await handle(
        world, "on_deactivation_requested", _deactivation(1, DeactivationReason.MAMPU)
    )
    assert (admitted.event_type, admitted.participant_id) == ("ParticipantVerified", pid(2))  # type: ignore[attr-defined]
    await decided(world, 3)  # the next one waiting
    return admitted


async def status(world: World, n: int) -> Status:
    [proposal, *_] = await world.repo.proposals_of(pid(n))
    return proposal.status


async def test_a_deactivation_before_the_activation_waits_for_it_then_releases_the_slot() -> None:
    world = World(quota_total=1)
    admitted = await admitted_from_waiting_list(world)
    request = _deactivation(2, DeactivationReason.MENINGGAL)

    waiting = await handle(world, "on_deactivation_requested", request)

    assert waiting == [], "no rejection: ParticipantVerified is out, the tambah in flight"
    assert await status(world, 2) is Status.WITHDRAWING
    assert world.repo.quotas[2026].used == 1, "the slot stays counted until BPJS answers"
    assert set(world.repo.slots) == {pid(2)}

    released, refilled = await handle(world, "on_participant_activated", activation(admitted))

    assert released.event_type == "SlotReleased"  # type: ignore[attr-defined]
    assert released.participant_id == pid(2)
    assert released.payload.reason is DeactivationReason.MENINGGAL  # type: ignore[attr-defined]
    assert released.causation_id == request.event_id, "Dinsos's report joins it to its request"
    assert (refilled.participant_id, refilled.causation_id) == (pid(3), request.event_id)
    assert set(world.repo.slots) == {pid(3)}
    assert world.repo.quotas[2026].used == 1
    assert await status(world, 2) is Status.DEACTIVATION_REQUESTED


async def test_a_deactivation_after_the_activation_releases_the_slot_at_once() -> None:
    world = World(quota_total=1)
    admitted = await admitted_from_waiting_list(world)
    assert await handle(world, "on_participant_activated", activation(admitted)) == []
    request = _deactivation(2, DeactivationReason.MENINGGAL)

    released, refilled = await handle(world, "on_deactivation_requested", request)

    assert types([released, refilled]) == ["SlotReleased", "ParticipantVerified"]
    assert released.causation_id == request.event_id
    assert refilled.participant_id == pid(3)
    assert set(world.repo.slots) == {pid(3)}
    assert world.repo.quotas[2026].used == 1
    assert await status(world, 2) is Status.DEACTIVATION_REQUESTED


async def test_both_orders_end_deactivated_and_never_state_a_rejection() -> None:
    ends: list[tuple[Status, int, list[str]]] = []
    for activation_first in (True, False):
        world = World(quota_total=1)
        admitted = await admitted_from_waiting_list(world)
        request = _deactivation(2, DeactivationReason.PINDAH)
        steps = [
            ("on_participant_activated", activation(admitted)),
            ("on_deactivation_requested", request),
        ]
        emitted: list[EventBase] = []
        for name, event in steps if activation_first else reversed(steps):
            emitted += await handle(world, name, event)
        confirmed = ParticipantDeactivated(
            participant_id=pid(2),
            correlation_id=admitted.correlation_id,
            payload=DeactivatedPayload(
                no_kartu="0001234567890",
                reason=DeactivationReason.PINDAH,
                effective_date=date(2026, 6, 1),
            ),
        )
        emitted += await handle(world, "on_participant_deactivated", confirmed)
        about_two = [e.event_type for e in emitted if e.participant_id == pid(2)]  # type: ignore[attr-defined]
        ends.append((await status(world, 2), world.repo.quotas[2026].used, about_two))
    assert ends[0] == ends[1] == (Status.DEACTIVATED, 1, ["SlotReleased"])


async def test_a_withdrawing_resident_refused_by_bpjs_frees_the_slot_with_nothing_to_undo() -> None:
    world = World(quota_total=1)
    await admitted_from_waiting_list(world)
    await handle(world, "on_deactivation_requested", _deactivation(2, DeactivationReason.GANDA))
    refused = RegistrationRefused(
        participant_id=pid(2),
        correlation_id=uuid.uuid4(),
        payload=RefusedPayload(mutation="tambah", bpjs_code="201", bpjs_message="ditolak"),
    )

    [refilled] = await handle(world, "on_registration_refused", refused)

    assert (refilled.event_type, refilled.participant_id) == ("ParticipantVerified", pid(3))  # type: ignore[attr-defined]
    assert await status(world, 2) is Status.REFUSED
    assert set(world.repo.slots) == {pid(3)}
    assert world.repo.quotas[2026].used == 1


async def test_the_slot_is_released_once_however_often_the_news_comes() -> None:
    world = World(quota_total=1)
    admitted = await admitted_from_waiting_list(world)
    await handle(world, "on_deactivation_requested", _deactivation(2, DeactivationReason.PINDAH))
    again = await handle(
        world, "on_deactivation_requested", _deactivation(2, DeactivationReason.MAMPU)
    )
    first = await handle(world, "on_participant_activated", activation(admitted))
    late = await handle(world, "on_participant_activated", activation(admitted))

    assert again == [], "the first request is being carried out"
    assert types(first) == ["SlotReleased", "ParticipantVerified"]
    assert first[0].payload.reason is DeactivationReason.PINDAH  # type: ignore[attr-defined]
    assert late == []
    assert world.repo.quotas[2026].used == 1
    assert set(world.repo.slots) == {pid(3)}
