"""A batch of residents, end to end: HTTP import → Kafka → the four services → the BPJS
simulator → the notification sink, exactly as `make run` drives it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from e2e.conftest import running_city
from jkn_demo.callers import Callers
from jkn_demo.journey import Outcome
from jkn_demo.scenario import EXPECTED, CityFiles, propose_and_follow, seed_bpjs
from jkn_demo.stack import COMPONENTS, Stack
from jkn_demo.stackenv import BOOTSTRAP
from support.invariants import agencies_check
from support.kafka import read_topic
from support.polling import eventually
from support.spans import SpanCollector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 10000  # beside a running `make run` stack


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    run_dir = Path(tmp_path_factory.mktemp("run"))
    async with running_city(city, spans, run_dir, port_offset=PORT_OFFSET, tag="e2e") as stack:
        yield stack


@pytest.fixture(scope="module")
async def journeys(
    stack: Stack, city: CityFiles, callers: Callers
) -> tuple[dict, list[tuple[dict, Outcome]]]:
    urls = {c.name: stack.url(c.name) for c in COMPONENTS}
    async with httpx.AsyncClient(timeout=30) as client:
        await seed_bpjs(client, urls["bpjs-sim"], city)  # the simulated BPJS: no token of ours
        return await propose_and_follow(client, urls, city, callers=callers, timeout=240)


def _of(journeys, category: str) -> list[Outcome]:  # type: ignore[no-untyped-def]
    return [o for row, o in journeys[1] if row["category"] == category]


async def test_every_resident_reaches_a_final_state_and_is_told(journeys) -> None:  # type: ignore[no-untyped-def]
    unsettled = [(row["row"], o.state, o.messages) for row, o in journeys[1] if not o.settled]
    assert unsettled == []


async def test_eligible_residents_are_activated_up_to_the_quota_and_the_rest_wait(
    journeys, city
) -> None:  # type: ignore[no-untyped-def]
    eligible = _of(journeys, "eligible")
    activated = [o for o in eligible if o.state == "activated"]
    waiting = [o for o in eligible if o.state == "waitlisted"]
    assert len(activated) == city.manifest["quota"]
    assert len(waiting) == len(eligible) - city.manifest["quota"]
    for o in activated:
        assert o.no_kartu is not None
        assert len(o.no_kartu) == 13
        assert o.no_kartu.isdigit()
        assert o.provider, "an activated participant has a primary clinic"
        assert "participant_activated" in o.messages


@pytest.mark.parametrize("category", sorted(set(EXPECTED) - {"eligible"}))
async def test_ineligible_residents_are_rejected_with_the_right_reason(
    journeys, category: str
) -> None:  # type: ignore[no-untyped-def]
    outcomes = _of(journeys, category)
    assert outcomes, f"the demo batch has {category} residents"
    for o in outcomes:
        assert (o.state, ",".join(o.reasons)) in EXPECTED[category]
        assert "verification_rejected" in o.messages


async def test_bad_niks_are_refused_at_intake_by_line_or_rejected_by_dinkes(journeys) -> None:  # type: ignore[no-untyped-def]
    report, followed = journeys
    bad = [(row, o) for row, o in followed if row["category"] == "bad_nik"]
    assert bad
    for row, o in bad:
        if o.state == "intake_rejected":
            line = next(e for e in report["errors"] if int(e["line"]) == row["row"] + 1)
            assert line["field"]
            assert line["rule"]
        else:
            assert o.state == "rejected"
            assert any(r.startswith("NIK") for r in o.reasons)


async def test_no_nik_appears_in_kafka_keys_or_headers(
    journeys, stack: Stack, city: CityFiles
) -> None:  # type: ignore[no-untyped-def]
    niks = _niks(city)
    prefix = stack.env["JKN_TOPIC_PREFIX"]
    for topic in (
        "jkn.dinsos.participants",
        "jkn.dinkes.verifications",
        "jkn.bpjs.participants",
        "jkn.notifications.messages",
    ):
        records = await read_topic(BOOTSTRAP, prefix + topic, expect=1)
        assert records, f"{topic} carried the journey"
        for record in records:
            visible = (record.key or b"").decode() + "".join(
                k + v.decode() for k, v in record.headers
            )
            assert not any(nik in visible for nik in niks)


def _niks(city: CityFiles) -> set[str]:
    return {r["nik"] for r in csv.DictReader(io.StringIO(city.proposals.decode()))}


async def test_a_resident_s_journey_is_one_trace_through_all_four_services(
    journeys, spans: SpanCollector
) -> None:  # type: ignore[no-untyped-def]
    resident = next(o for o in _of(journeys, "eligible") if o.state == "activated")
    wanted = {"enrollment", "verification", "bpjs-gateway", "notifications"}

    async def traced() -> list[dict]:
        mine = [
            s
            for s in spans.snapshot()
            if s.get("tags", {}).get("jkn.participant_id") == resident.participant_id
        ]
        services = {s["localEndpoint"]["serviceName"] for s in mine}
        names = {s["name"] for s in mine}
        # services export in batches: wait for the first and the last step to arrive too
        ends = "proposal imported" in names and any(n.startswith("notify ") for n in names)
        return mine if wanted <= services and ends else []

    mine = await eventually(traced, timeout=30)
    traces = {}
    for s in mine:
        traces.setdefault(s["traceId"], []).append(
            f"{s['localEndpoint']['serviceName']}:{s['name']}"
        )
    assert len(traces) == 1, f"one trace follows the resident: {traces}"
    (trace_id,) = traces
    in_trace = [s for s in spans.snapshot() if s["traceId"] == trace_id]
    names = {s["name"] for s in in_trace}
    assert "proposal imported" in names, "the trace begins at the resident's own import line"
    assert any(n.startswith("BPJS ") for n in names), "the BPJS bridging calls are in the trace"
    assert any(n.startswith("notify ") for n in names), "the message sent is in the trace"
    others = {s.get("tags", {}).get("jkn.participant_id") for s in in_trace} - {
        None,
        resident.participant_id,
    }
    assert others == set(), "the trace is this resident's alone, though the CSV held many"


async def test_residents_imported_in_one_file_each_have_their_own_trace(
    journeys, spans: SpanCollector
) -> None:  # type: ignore[no-untyped-def]
    imported = [o for _, o in journeys[1] if o.state != "intake_rejected"]

    async def roots() -> dict[str, str]:
        found = {
            s["tags"]["jkn.participant_id"]: s["traceId"]
            for s in spans.snapshot()
            if s["name"] == "proposal imported"
        }
        return found if len(found) >= len(imported) else {}

    traces = await eventually(roots, timeout=30)
    assert sorted(traces) == sorted(o.participant_id for o in imported)
    assert len(set(traces.values())) == len(imported), "no two residents share a trace"


async def test_no_nik_appears_in_spans_or_logs(
    journeys, spans: SpanCollector, stack: Stack, city: CityFiles
) -> None:  # type: ignore[no-untyped-def]
    niks = _niks(city)
    exported = json.dumps(spans.snapshot())
    assert spans.snapshot(), "spans were exported"
    assert not [n for n in niks if n in exported]
    for log in stack.run_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert not [n for n in niks if n in text], f"a NIK in clear in {log.name}"


async def test_a_trace_says_which_agency_decided_what_and_why(
    journeys, spans: SpanCollector
) -> None:  # type: ignore[no-untyped-def]
    refused = _of(journeys, "not_in_dtks")[0]
    activated = next(o for o in _of(journeys, "eligible") if o.state == "activated")

    def stated(o: Outcome) -> set[tuple[str, str, str]]:
        return {
            (s["tags"]["jkn.agency"], s["tags"]["jkn.decision"], s["tags"]["jkn.reason_codes"])
            for s in spans.snapshot()
            if s.get("tags", {}).get("jkn.participant_id") == o.participant_id
            and "jkn.decision" in s["tags"]
        }

    refusal_steps = {("dinsos", "proposed"), ("dinkes", "rejected")}
    activation_steps = {
        ("dinsos", "proposed"),
        ("dinkes", "verified"),
        ("bpjs-gateway", "activated"),
        ("notifications", "notification_sent"),
    }

    def steps(found: set[tuple[str, str, str]]) -> set[tuple[str, str]]:
        return {(agency, decision) for agency, decision, _ in found}

    async def exported() -> list[set[tuple[str, str, str]]]:
        # each service exports its spans in batches: wait until every step has arrived
        both = [stated(refused), stated(activated)]
        done = steps(both[0]) >= refusal_steps and steps(both[1]) >= activation_steps
        return both if done else []

    refusal, _ = await eventually(exported, timeout=30)
    assert any(
        (agency, decision) == ("dinkes", "rejected") and "NOT_IN_DTKS" in codes
        for agency, decision, codes in refusal
    )


async def test_the_agencies_agree_on_every_resident_once_the_batch_settled(  # type: ignore[no-untyped-def]
    journeys, stack: Stack
) -> None:
    """Dinsos, Dinkes, the gateway and BPJS hold one state per resident (jkn_demo.invariants)."""
    report = await agencies_check(stack)
    assert report.settled, report.text()
    assert report.residents > 0
    assert report.divergences == [], report.text()
