"""The quota and waiting-list gauges follow what the use cases write (through the Gauges
port: Prometheus in production, a recording fake here)."""

from __future__ import annotations

import uuid

from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
)
from jkn_contracts.events import DeactivationRequestedPayload
from unit.verification_app.fakes import FakeUnitOfWork, World
from unit.verification_app.test_handlers import activation, decided, handle, pid
from verification.app import handlers
from verification.domain import Quota


async def test_the_gauges_show_the_slots_taken_and_the_proposals_waiting() -> None:
    world = World(quota_total=1)
    await decided(world, 1)
    assert world.gauges.quotas[2026] == Quota(total=1, used=1)
    await decided(world, 2, decile=4)
    await decided(world, 3, decile=1)
    assert world.gauges.waiting_size == 2


async def test_a_released_slot_given_to_the_next_in_line_shows_in_the_gauges() -> None:
    world = World(quota_total=1)
    await handle(world, "on_participant_activated", activation(await decided(world, 1)))
    await decided(world, 2, decile=1)
    request = DeactivationRequested(
        participant_id=pid(1),
        correlation_id=uuid.uuid4(),
        payload=DeactivationRequestedPayload(
            reason=DeactivationReason.PINDAH, evidence_ref="surat-pindah", reported_by="kelurahan"
        ),
    )
    uow = FakeUnitOfWork(cause=request)
    await handlers.on_deactivation_requested(uow, request, deps=world.deps)
    assert world.gauges.quotas[2026] == Quota(total=1, used=1)
    assert world.gauges.waiting_size == 0
