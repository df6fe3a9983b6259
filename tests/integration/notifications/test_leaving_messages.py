"""A resident asked to leave while Dinkes admits them and BPJS registers them is told how
it ends, not the steps the leaving undoes (docs/domain.md#race-messages); the stored
contact says whether they are leaving, in the statement that stores or reads it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from integration.notifications.events import activated, registered, resident
from integration.notifications.handling import MAILROOM, decide_each
from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
)
from jkn_contracts.events import DeactivatedPayload, DeactivationRequestedPayload
from support.sealed import escrow, sealed_event

pytestmark = pytest.mark.infra


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
    await decide_each(runtime, who, leave(who), verified(who, 301), activated(who), ended(who))
    assert await templates(runtime, who.participant_id) == [
        "participant_registered",
        "deactivation_requested_kelurahan",
        "participant_deactivated",
    ]


async def test_an_activation_announced_before_the_request_is_followed_by_the_end(
    runtime: ServiceRuntime,
) -> None:
    who = registered(302)
    await decide_each(runtime, who, verified(who, 302), activated(who), leave(who), ended(who))
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
    await decide_each(runtime, who, leave(who), ended(who))
    again = registered(303)  # the same resident: the same pseudonym, a new proposal
    await decide_each(runtime, again, verified(again, 303), activated(again))
    told = await templates(runtime, who.participant_id)
    assert told[-2:] == ["participant_verified", "participant_activated"]


async def test_the_stored_contact_says_whether_the_resident_is_leaving_until_proposed_again(
    runtime: ServiceRuntime,
) -> None:
    who = registered(760)
    await escrow()
    async with runtime.pool.acquire() as conn, conn.transaction():
        room = MAILROOM(UnitOfWork(conn, topic_prefix=runtime.settings.jkn_topic_prefix))
        reach = resident(760)
        pid = who.participant_id
        assert await room.remember(pid, reach) is False  # a new row: nobody asked them to leave
        await room.mark_leaving(pid, datetime(2026, 2, 1, tzinfo=UTC))
        assert await room.remember(pid, reach) is True  # refreshing the contact keeps it
        known = await room.ensure_contact(pid, read=True)
        assert known is not None
        assert (known.name, known.leaving) == (reach.name, True)
        assert await room.remember(pid, reach, proposed_again=True) is False
        again = await room.ensure_contact(pid, read=True)
        assert again is not None
        assert again.leaving is False
