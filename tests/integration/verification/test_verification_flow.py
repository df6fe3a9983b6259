"""The verification service against the real Kafka and Postgres, driven by contract events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx
import pytest
from integration.verification.conftest import set_total
from integration.verification.scenario import (
    PBI_APBN,
    People,
    activated,
    coverage_reported,
    deactivation_requested,
    pid,
    registered,
)
from jkn_contracts import AnyEvent, EventBase, parse_event, topic_for
from support.kafka import Collector, read_topic
from support.polling import eventually
from support.sealed import SEALER

pytestmark = pytest.mark.infra

Send = Callable[..., Awaitable[None]]


async def one(published: Collector, participant_id: str, event_type: str) -> AnyEvent:
    async def found() -> list[AnyEvent]:
        return published.of(participant_id, event_type)

    events = await eventually(found, timeout=30)
    assert len(events) == 1, f"{len(events)} {event_type} events"
    return events[0]


async def verified(send: Send, published: Collector, event: EventBase) -> AnyEvent:
    """Register ``event``'s resident and answer the coverage check with 'no membership'."""
    await send(event)
    request = await one(published, event.participant_id, "CoverageCheckRequested")
    await send(coverage_reported(request))
    return await one(published, event.participant_id, "ParticipantVerified")


async def test_an_eligible_resident_is_asked_about_at_bpjs_then_verified(
    send: Send, published: Collector, people: People, http: httpx.AsyncClient
) -> None:
    resident = people.eligible()
    event = registered(resident)
    await send(event)
    request = await one(published, pid(resident), "CoverageCheckRequested")
    assert (await SEALER.open(cast(Any, None), request)).nik == resident.nik
    assert resident.nik not in request.model_dump_json()
    assert request.causation_id == event.event_id
    assert request.correlation_id == event.correlation_id

    await send(coverage_reported(request))
    decision = await one(published, pid(resident), "ParticipantVerified")
    sent = await SEALER.open(cast(Any, None), event)
    assert (await SEALER.open(cast(Any, None), decision)).model_dump() == sent.model_dump(
        exclude={"kelurahan"}
    )
    assert decision.payload.proposal_id == event.payload.proposal_id
    assert decision.payload.admitted_from_waitlist is False
    assert decision.payload.uhc_priority is False
    assert decision.causation_id is not None

    answer = (await http.get(f"/decisions/{pid(resident)}")).json()
    assert answer["latest"]["status"] == "verified"
    assert answer["latest"]["decided_at"] is not None
    assert resident.nik not in str(answer)


async def test_rejects_a_resident_already_covered_by_pbi_apbn(
    send: Send, published: Collector, people: People
) -> None:
    resident = people.eligible()
    await send(registered(resident))
    request = await one(published, pid(resident), "CoverageCheckRequested")
    await send(coverage_reported(request, PBI_APBN))
    rejection = await one(published, pid(resident), "VerificationRejected")
    assert [r.code for r in rejection.payload.reasons] == ["ALREADY_COVERED_PBI_APBN"]
    assert "PBI APBN" in rejection.payload.reasons[0].message


async def test_rejects_a_resident_who_lives_outside_the_city_without_asking_bpjs(
    send: Send, published: Collector, people: People
) -> None:
    resident = people.non_resident()
    await send(registered(resident))
    rejection = await one(published, pid(resident), "VerificationRejected")
    assert "NOT_CITY_RESIDENT" in [r.code for r in rejection.payload.reasons]
    assert all(r.message for r in rejection.payload.reasons)
    assert published.of(pid(resident), "CoverageCheckRequested") == []


async def test_rejects_a_second_proposal_of_a_pending_resident_as_duplicate(
    send: Send, published: Collector, people: People
) -> None:
    resident = people.eligible()
    first, second = registered(resident), registered(resident)
    await send(first, second)
    rejection = await one(published, pid(resident), "VerificationRejected")
    assert rejection.payload.proposal_id == second.payload.proposal_id
    assert [r.code for r in rejection.payload.reasons] == ["DUPLICATE_ENROLLMENT"]


async def test_a_full_quota_waitlists_and_a_deactivation_admits_the_poorest_waiting(
    send: Send,
    published: Collector,
    people: People,
    http: httpx.AsyncClient,
    checker: httpx.AsyncClient,
) -> None:
    holder = registered(people.eligible())
    await send(activated(await verified(send, published, holder)))
    quota = (await http.get("/quota")).json()
    full = await set_total(http, checker, quota["budget_year"], quota["used"])
    assert full["free"] == 0

    # The richer one comes first, the poorer one later: the poorer one is admitted first.
    richer, poorer = registered(people.eligible(decile=4)), registered(people.eligible(decile=1))
    for event in (richer, poorer):
        await send(event)
        request = await one(published, event.participant_id, "CoverageCheckRequested")
        await send(coverage_reported(request))
        await one(published, event.participant_id, "ParticipantWaitlisted")
    waiting = (await http.get("/waiting-list")).json()
    order = [w["participant_id"] for w in waiting]
    assert order.index(poorer.participant_id) < order.index(richer.participant_id)
    assert all(
        set(w) == {"participant_id", "proposal_id", "welfare_decile", "waiting_since", "position"}
        for w in waiting
    )

    await send(deactivation_requested(holder.participant_id))
    released = await one(published, holder.participant_id, "SlotReleased")
    assert released.payload.reason == "meninggal"
    assert released.payload.quota_used == quota["used"] - 1
    admitted = await one(published, poorer.participant_id, "ParticipantVerified")
    assert admitted.payload.admitted_from_waitlist is True
    assert admitted.correlation_id == poorer.correlation_id
    assert published.of(richer.participant_id, "ParticipantVerified") == []
    after = (await http.get("/quota")).json()
    assert after["used"] == after["total"] == quota["used"]

    # Lowering below what is used is refused; raising admits the rest of the line.
    refused = await http.put("/quota", json={"budget_year": after["budget_year"], "total": 0})
    assert refused.status_code == 409
    assert "in use" in refused.json()["detail"]["message"]
    raised = await http.put(
        "/quota", json={"budget_year": after["budget_year"], "total": after["total"] + 10}
    )
    assert raised.json()["admitted_from_waitlist"] >= 1
    admitted_later = await one(published, richer.participant_id, "ParticipantVerified")
    assert admitted_later.payload.admitted_from_waitlist is True


async def test_every_decision_reaches_kafka_once(
    published: Collector, topic_prefix: str, bootstrap: str
) -> None:
    records = await read_topic(
        bootstrap, topic_for("ParticipantVerified", topic_prefix), expect=len(published.events)
    )
    events = [parse_event(r.value or b"") for r in records]
    decisions: dict[Any, int] = {}
    for e in events:
        if e.event_type in {"ParticipantVerified", "VerificationRejected", "ParticipantWaitlisted"}:
            decisions[(e.participant_id, e.event_type)] = (
                decisions.get((e.participant_id, e.event_type), 0) + 1
            )
    assert decisions
    assert set(decisions.values()) == {1}
    # A resident's facts are keyed by their pseudonym; a quota change by its budget year.
    assert all(r.key == e.record_key().encode() for r, e in zip(records, events, strict=True))
