"""A resident asked to leave while Dinkes admits them and BPJS registers them is told how
it ends, not the steps the leaving undoes (docs/domain.md#race-messages)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date

import pytest
from integration.notifications.events import activated, registered, resident
from jkn_bus import BusSettings, UnitOfWork
from jkn_bus.personal_data import LocalKeks
from jkn_bus.service import ServiceRuntime
from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
    EventBase,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
)
from jkn_contracts.events import DeactivatedPayload, DeactivationRequestedPayload
from notifications.adapters.at_rest import columns_for
from notifications.adapters.mailroom import sql_mailroom
from notifications.app.handlers import Routing, handlers
from notifications.bootstrap import build_runtime
from support.sealed import SEALER, sealed_event

pytestmark = pytest.mark.infra

MAILROOM = sql_mailroom(columns_for(LocalKeks.from_config(), SEALER.keyring))


@pytest.fixture(scope="module")
async def runtime(notifications_settings: BusSettings) -> AsyncIterator[ServiceRuntime]:
    rt = build_runtime(notifications_settings, Routing("dev_sink"))
    await rt.start()
    yield rt
    await rt.stop()


async def decide(runtime: ServiceRuntime, *events: EventBase) -> None:
    """Each event in its own transaction, in the order given (as the consumer applies them)."""
    handle = handlers(Routing("dev_sink"), SEALER, MAILROOM)
    for event in events:
        async with runtime.pool.acquire() as conn, conn.transaction():
            uow = UnitOfWork(conn, topic_prefix=runtime.settings.jkn_topic_prefix, cause=event)
            await handle[type(event)](uow, event)


async def templates(runtime: ServiceRuntime, participant_id: str) -> list[str]:
    rows = await runtime.pool.fetch(
        "SELECT template FROM messages WHERE participant_id = $1 ORDER BY created_at, message_id",
        participant_id,
    )
    return [r["template"] for r in rows]


def verified(of: ParticipantRegistered, n: int) -> ParticipantVerified:
    return sealed_event(
        ParticipantVerified,
        participant_id=of.participant_id,
        correlation_id=of.correlation_id,
        personal=resident(n).model_dump(),
        payload={
            "proposal_id": of.payload.proposal_id,
            "budget_year": 2026,
            "admitted_from_waitlist": True,
        },
    )


def leave(of: ParticipantRegistered) -> DeactivationRequested:
    return DeactivationRequested(
        participant_id=of.participant_id,
        correlation_id=uuid.uuid4(),
        payload=DeactivationRequestedPayload(
            reason=DeactivationReason.MENINGGAL,
            evidence_ref="AKTA-KEMATIAN/2026/0007",
            reported_by="Lurah Talang Banjar",
        ),
    )


def ended(of: ParticipantRegistered) -> ParticipantDeactivated:
    return ParticipantDeactivated(
        participant_id=of.participant_id,
        correlation_id=of.correlation_id,
        payload=DeactivatedPayload(
            no_kartu="0002345678901",
            reason=DeactivationReason.MENINGGAL,
            effective_date=date(2026, 2, 1),
        ),
    )


async def test_a_resident_leaving_while_admitted_is_told_the_end_only(
    runtime: ServiceRuntime,
) -> None:
    who = registered(301)
    await decide(runtime, who, leave(who), verified(who, 301), activated(who), ended(who))
    assert await templates(runtime, who.participant_id) == [
        "participant_registered",
        "deactivation_requested_kelurahan",
        "participant_deactivated",
    ]


async def test_an_activation_announced_before_the_request_is_followed_by_the_end(
    runtime: ServiceRuntime,
) -> None:
    who = registered(302)
    await decide(runtime, who, verified(who, 302), activated(who), leave(who), ended(who))
    told = await templates(runtime, who.participant_id)
    assert told == [
        "participant_registered",
        "participant_verified",
        "participant_activated",
        "deactivation_requested_kelurahan",
        "participant_deactivated",
    ]
    assert "verification_rejected" not in told


async def test_a_resident_proposed_again_after_leaving_is_told_each_step_again(
    runtime: ServiceRuntime,
) -> None:
    who = registered(303)
    await decide(runtime, who, leave(who), ended(who))
    again = registered(303)  # the same resident: the same pseudonym, a new proposal
    await decide(runtime, again, verified(again, 303), activated(again))
    told = await templates(runtime, who.participant_id)
    assert told[-2:] == ["participant_verified", "participant_activated"]
