"""The gateway end to end: contract events in on Kafka, the BPJS simulator over HTTP,
answers out on jkn.bpjs.participants, state in its own schema, served over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from bpjs_gateway.domain.effective_dates import deactivation_effective_date
from bpjs_gateway.metrics import BPJS_CALLS
from integration.gateway.conftest import (
    BOOTSTRAP,
    CITY,
    WIB,
    Collector,
    pid,
    uncovered_residents,
    verified,
)
from jkn_bus import ServiceRuntime
from jkn_contracts import (
    CoverageCheckRequested,
    EventBase,
    SlotReleased,
    topic_for,
)
from support.kafka import produce
from support.polling import eventually
from support.sealed import escrow, sealed_event

pytestmark = pytest.mark.infra

UNCOVERED = uncovered_residents()


async def send(topic_prefix: str, *events: EventBase) -> None:
    await escrow()  # the residents' keys, as Dinas Sosial made them
    await produce(
        BOOTSTRAP,
        topic_for(events[0].event_type, topic_prefix),
        [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
    )


def coverage_request(nik: str) -> CoverageCheckRequested:
    return sealed_event(
        CoverageCheckRequested,
        participant_id=pid(nik),
        correlation_id=uuid.uuid4(),
        personal={"nik": nik},
        payload={"check_date": datetime.now(WIB).date()},
    )


def one_of(collector: Collector, participant_id: str, event_type: str) -> Any:
    async def check() -> Any:
        found = collector.of(participant_id, event_type)
        return found[0] if found else None

    return eventually(check, timeout=30)


async def dead_letters(runtime: ServiceRuntime) -> int:
    count: int = await runtime.pool.fetchval("SELECT count(*) FROM dead_letters")
    return count


async def test_a_coverage_check_of_a_pbi_apbn_member_reports_segment_21(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str, seeded: list[dict[str, Any]]
) -> None:
    apbn = next(
        r for r in seeded if r["jenisPeserta"]["kode"] == "21" and r["statusPeserta"]["kode"] == "0"
    )
    request = coverage_request(apbn["nik"])
    await send(topic_prefix, request)

    report = await one_of(published, request.participant_id, "CoverageReported")

    assert report.causation_id == request.event_id
    assert report.correlation_id == request.correlation_id
    membership = report.payload.membership
    assert membership is not None
    assert membership.jenis_peserta_kode == "21"
    assert membership.no_kartu == apbn["noKartu"]
    assert (membership.status_kode, membership.status) == ("0", "AKTIF")


async def test_a_coverage_check_of_a_nik_bpjs_does_not_know_reports_no_membership(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str
) -> None:
    request = coverage_request(next(UNCOVERED).nik)
    await send(topic_prefix, request)

    report = await one_of(published, request.participant_id, "CoverageReported")

    assert report.payload.membership is None


async def test_a_verified_resident_is_activated_with_a_13_digit_card_and_served_over_http(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str, http: httpx.AsyncClient
) -> None:
    event = verified(next(UNCOVERED))
    await send(topic_prefix, event)

    activated = await one_of(published, event.participant_id, "ParticipantActivated")

    payload = activated.payload
    assert payload.proposal_id == event.payload.proposal_id
    assert len(payload.no_kartu) == 13
    assert payload.no_kartu.isdigit()
    assert payload.kelas == "3"
    assert activated.causation_id == event.event_id
    reply = await http.get(f"/participants/{event.participant_id}")
    assert reply.status_code == 200
    assert reply.json() == {
        "participant_id": event.participant_id,
        "status": "active",
        "no_kartu": payload.no_kartu,
        "kd_provider": payload.kd_provider,
        "nm_provider": payload.nm_provider,
        "effective_date": payload.effective_date.isoformat(),
        "bpjs_code": None,
        "bpjs_message": None,
    }


async def test_a_redelivered_verification_activates_the_resident_once(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str
) -> None:
    event = verified(next(UNCOVERED))
    await send(topic_prefix, event)
    await one_of(published, event.participant_id, "ParticipantActivated")

    await send(topic_prefix, event)  # the same record again, as after a consumer crash
    marker = coverage_request(next(UNCOVERED).nik)  # an event published after it
    await send(topic_prefix, marker)
    await one_of(published, marker.participant_id, "CoverageReported")

    assert len(published.of(event.participant_id, "ParticipantActivated")) == 1
    tambah = await runtime.pool.fetchval(
        "SELECT count(*) FROM bpjs_mutations WHERE participant_id = $1", event.participant_id
    )
    assert tambah == 1


async def test_a_resident_active_in_another_segment_is_refused_without_the_nik_in_the_answer(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str, http: httpx.AsyncClient
) -> None:
    wage_earner = next(
        r
        for r in CITY
        if r.coverage is not None and r.coverage.segment == "13" and r.coverage.active
    )
    event = verified(wage_earner)
    await send(topic_prefix, event)

    refused = await one_of(published, event.participant_id, "RegistrationRefused")

    assert refused.payload.mutation == "tambah"
    assert refused.payload.bpjs_code == "201"
    assert refused.payload.proposal_id == event.payload.proposal_id
    assert wage_earner.nik not in refused.model_dump_json()
    view = (await http.get(f"/participants/{event.participant_id}")).json()
    assert (view["status"], view["bpjs_code"], view["no_kartu"]) == ("refused", "201", None)
    assert wage_earner.nik not in str(view)


async def test_while_bpjs_answers_http_500_a_check_is_retried_not_dead_lettered(
    runtime: ServiceRuntime,
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    unavailable = BPJS_CALLS.labels("peserta_by_nik", "unavailable")
    failures_before = unavailable._value.get()
    dead_before = await dead_letters(runtime)
    (await sim_admin.post("/_sim/faults", json={"http_500_rate": 1.0})).raise_for_status()
    try:
        request = coverage_request(next(UNCOVERED).nik)
        await send(topic_prefix, request)

        async def retried_twice() -> bool:
            return bool(unavailable._value.get() >= failures_before + 2)

        await eventually(retried_twice, timeout=30)
        assert published.of(request.participant_id) == []
        assert await dead_letters(runtime) == dead_before
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    report = await one_of(published, request.participant_id, "CoverageReported")

    assert report.payload.membership is None
    assert await dead_letters(runtime) == dead_before


async def test_a_released_slot_deactivates_the_card_from_the_date_of_the_cutoff_rule(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str, http: httpx.AsyncClient
) -> None:
    event = verified(next(UNCOVERED))
    await send(topic_prefix, event)
    activated = await one_of(published, event.participant_id, "ParticipantActivated")
    released = SlotReleased(
        participant_id=event.participant_id,
        correlation_id=event.correlation_id,
        payload={"reason": "pindah", "quota_used": 3, "quota_total": 10},
    )
    filed_on = datetime.now(UTC).astimezone(WIB).date()
    await send(topic_prefix, released)

    deactivated = await one_of(published, event.participant_id, "ParticipantDeactivated")

    expected: date = deactivation_effective_date(filed_on, cutoff_day=20)
    assert deactivated.payload.effective_date == expected
    assert deactivated.payload.no_kartu == activated.payload.no_kartu
    assert deactivated.payload.reason == "pindah"
    assert deactivated.causation_id == released.event_id
    view = (await http.get(f"/participants/{event.participant_id}")).json()
    assert (view["status"], view["effective_date"]) == ("deactivated", expected.isoformat())


async def test_a_participant_proposed_again_after_leaving_is_registered_again_with_the_same_card(
    runtime: ServiceRuntime, published: Collector, topic_prefix: str, http: httpx.AsyncClient
) -> None:
    resident = next(UNCOVERED)
    first = verified(resident)
    await send(topic_prefix, first)
    activated = await one_of(published, first.participant_id, "ParticipantActivated")
    released = SlotReleased(
        participant_id=first.participant_id,
        correlation_id=first.correlation_id,
        payload={"reason": "pindah", "quota_used": 3, "quota_total": 10},
    )
    await send(topic_prefix, released)
    await one_of(published, first.participant_id, "ParticipantDeactivated")

    again = verified(resident)  # a new proposal, verified by Dinkes (moved back, say)
    await send(topic_prefix, again)

    async def activated_again() -> Any:
        found = [
            e
            for e in published.of(first.participant_id, "ParticipantActivated")
            if e.payload.proposal_id == again.payload.proposal_id
        ]
        return found[0] if found else None

    second = await eventually(activated_again, timeout=30)
    assert second.payload.no_kartu == activated.payload.no_kartu  # BPJS keeps the card number
    assert second.causation_id == again.event_id
    view = (await http.get(f"/participants/{first.participant_id}")).json()
    assert (view["status"], view["no_kartu"]) == ("active", activated.payload.no_kartu)
    mutations = await runtime.pool.fetch(
        "SELECT mutation, outcome FROM bpjs_mutations WHERE participant_id = $1 ORDER BY id",
        first.participant_id,
    )
    assert [(m["mutation"], m["outcome"]) for m in mutations] == [
        ("tambah", "accepted"),
        ("kurang", "accepted"),
        ("tambah", "accepted"),
    ]


async def test_participants_are_counted_by_status_and_unknown_ones_are_404(
    runtime: ServiceRuntime, http: httpx.AsyncClient
) -> None:
    counts = (await http.get("/participants")).json()
    assert counts["counts"]["active"] >= 2
    assert counts["counts"]["refused"] >= 1
    assert counts["counts"]["deactivated"] >= 1
    assert counts["total"] == sum(counts["counts"].values())
    active = (await http.get("/participants", params={"status": "active"})).json()
    assert active == {"status": "active", "count": counts["counts"]["active"]}
    assert (await http.get("/participants", params={"status": "bogus"})).status_code == 422
    unknown = pid("1571010101900009")
    assert (await http.get(f"/participants/{unknown}")).status_code == 404
