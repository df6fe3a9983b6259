"""The observed race against the real Kafka and Postgres (docs/domain.md#withdrawal-races):
a resident admitted from the waiting list is asked to leave while BPJS registers them. In
both delivery orders Dinkes states no rejection, releases the slot once (SlotReleased,
caused by the request, so the gateway files the kurang) and refills it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from integration.verification.conftest import set_total
from integration.verification.scenario import (
    People,
    activated,
    coverage_reported,
    deactivation_requested,
    registered,
)
from integration.verification.test_verification_flow import one, verified
from jkn_contracts import AnyEvent, ParticipantRegistered
from support.kafka import Collector
from support.polling import eventually

pytestmark = pytest.mark.infra

Send = Callable[..., Awaitable[None]]


async def status_of(http: httpx.AsyncClient, participant_id: str, wanted: str) -> str:
    async def reached() -> str:
        answer = await http.get(f"/decisions/{participant_id}")
        found = answer.json()["latest"]["status"] if answer.status_code == 200 else ""
        return str(found) if found == wanted else ""

    return await eventually(reached, timeout=30)


async def waitlisted(send: Send, published: Collector, event: ParticipantRegistered) -> None:
    await send(event)
    request = await one(published, event.participant_id, "CoverageCheckRequested")
    await send(coverage_reported(request))
    await one(published, event.participant_id, "ParticipantWaitlisted")


async def admitted_while_full(
    send: Send,
    published: Collector,
    people: People,
    http: httpx.AsyncClient,
    checker: httpx.AsyncClient,
) -> tuple[AnyEvent, ParticipantRegistered, dict[str, Any]]:
    """A full quota, a resident waiting first in line and one behind; the holder of a slot
    leaves and the first is admitted (ParticipantVerified, the tambah about to be filed)."""
    before = (await http.get("/quota")).json()
    await set_total(http, checker, before["budget_year"], before["used"] + 1)
    holder = registered(people.eligible())
    await send(activated(await verified(send, published, holder)))
    await status_of(http, holder.participant_id, "active")
    quota = (await http.get("/quota")).json()
    await set_total(http, checker, quota["budget_year"], quota["used"])
    first, behind = registered(people.eligible(decile=1)), registered(people.eligible(decile=1))
    await waitlisted(send, published, first)
    await waitlisted(send, published, behind)
    await send(deactivation_requested(holder.participant_id))
    admitted = await one(published, first.participant_id, "ParticipantVerified")
    assert admitted.payload.admitted_from_waitlist is True
    return admitted, behind, (await http.get("/quota")).json()


async def released_and_refilled(
    published: Collector,
    http: httpx.AsyncClient,
    *,
    admitted: AnyEvent,
    behind: AnyEvent,
    request: AnyEvent,
    quota: dict[str, Any],
) -> None:
    pid = admitted.participant_id
    released = await one(published, pid, "SlotReleased")
    assert released.causation_id == request.event_id
    assert released.payload.reason == request.payload.reason
    refill = await one(published, behind.participant_id, "ParticipantVerified")
    assert refill.causation_id == request.event_id
    assert published.of(pid, "VerificationRejected") == [], "verified, then never rejected"
    await status_of(http, pid, "deactivation_requested")
    after = (await http.get("/quota")).json()
    assert (after["used"], after["total"]) == (quota["used"], quota["total"])


async def test_a_withdrawal_reaching_dinkes_before_the_activation_waits_for_it(
    send: Send,
    published: Collector,
    people: People,
    http: httpx.AsyncClient,
    checker: httpx.AsyncClient,
) -> None:
    admitted, behind, quota = await admitted_while_full(send, published, people, http, checker)
    request = deactivation_requested(admitted.participant_id)
    await send(request)
    await status_of(http, admitted.participant_id, "withdrawing")
    assert published.of(admitted.participant_id, "SlotReleased") == []
    assert (await http.get("/quota")).json()["used"] == quota["used"], "still counted"

    await send(activated(admitted))
    await released_and_refilled(
        published, http, admitted=admitted, behind=behind, request=request, quota=quota
    )


async def test_a_withdrawal_reaching_dinkes_after_the_activation_releases_at_once(
    send: Send,
    published: Collector,
    people: People,
    http: httpx.AsyncClient,
    checker: httpx.AsyncClient,
) -> None:
    admitted, behind, quota = await admitted_while_full(send, published, people, http, checker)
    await send(activated(admitted))
    await status_of(http, admitted.participant_id, "active")
    request = deactivation_requested(admitted.participant_id)
    await send(request)
    await released_and_refilled(
        published, http, admitted=admitted, behind=behind, request=request, quota=quota
    )
