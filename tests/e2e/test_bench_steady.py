"""`make bench`'s steady-rate section on a tiny city: after a small burst, residents arrive
one by one (Poisson) on the same stack, each proposed by a Dinsos officer; every one of
them is activated at BPJS exactly once, none of them is one of the burst's, and the
section's report carries a figure on each of its lines. Nothing here asserts how fast it
went: the machine is shared, the targets are `make bench`'s business."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import httpx
import pytest
from jkn_contracts import parse_event
from jkn_demo.bench_steady import report, split_proposals, steady_after_burst
from jkn_demo.journey_load import run_journey
from jkn_demo.scenario import generate_city, seed_bpjs
from jkn_demo.stackenv import BOOTSTRAP, PSEUDONYM_KEY
from support.kafka import read_topic
from support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PORT_OFFSET = 7000  # ports below 32768, Linux's ephemeral range
BURST = 10  # eligible residents of the burst (and the city's few of the other kinds)
STEADY = 15
SHARE = 0.5  # of the burst's throughput: a short section, the arrivals still spread out
NUMBER = r"\d+(\.\d+)?"


async def test_every_steady_resident_is_activated_once_and_the_report_has_its_figures(
    tmp_path: Path,
) -> None:
    city = generate_city(
        tmp_path / "city",
        seed=29,
        pseudonym_key=PSEUDONYM_KEY,
        extra=["--eligible", str(BURST + STEADY), "--quota", "100000"],
    )
    burst_file, forms = split_proposals(city, STEADY)
    async with (
        running_stack(
            tmp_path,
            port_offset=PORT_OFFSET,
            tag="steady",
            JKN_REFERENCE_DIR=str(city.directory),
            JKN_QUOTA_TOTAL="100000",
        ) as stack,
        httpx.AsyncClient(timeout=60) as client,
    ):
        prefix = stack.env["JKN_TOPIC_PREFIX"]
        await seed_bpjs(client, stack.url("bpjs-sim"), city, only_proposed=True)
        burst = await run_journey(stack, client, burst_file, prefix, "e2e-steady")
        steady = await steady_after_burst(stack, client, burst, forms, share=SHARE, seed=5)
        assert steady is not None
        records = await read_topic(
            BOOTSTRAP, f"{prefix}jkn.bpjs.participants", expect=BURST + STEADY
        )

    residents = set(steady.sent_at)
    assert (steady.arrivals, steady.accepted, dict(steady.refused)) == (STEADY, STEADY, {})
    assert not residents & set(burst.registered)  # other people than the burst's
    assert (steady.final, steady.activated) == (STEADY, STEADY)
    activations = Counter(
        event.participant_id
        for event in map(parse_event, (r.value for r in records))
        if event.event_type == "ParticipantActivated" and event.participant_id in residents
    )
    assert activations == dict.fromkeys(residents, 1)
    assert steady.offered_rate == pytest.approx(SHARE * len(burst.final) / burst.seconds)
    assert len(steady.latencies()) == STEADY
    assert all(latency > 0 for latency in steady.latencies())

    lines = report(steady, SHARE)
    for label in (
        rf"offered arrival rate: +{NUMBER} residents/s",
        rf"achieved arrival rate: +{NUMBER} residents/s",
        rf"residents final: +{STEADY} +activated: {STEADY}",
        rf"proposal → activation: +p50 +{NUMBER} s +p90 +{NUMBER} s +p99 +{NUMBER} s +max",
        rf"  arrival → registered \(HTTP\): +p50 +{NUMBER} s",
        rf"target p50 ≤ 2 s: +{NUMBER} s = {NUMBER} of the target",
        rf"target p99 ≤ 10 s: +{NUMBER} s = {NUMBER} of the target",
    ):
        assert any(re.match(label, line) for line in lines), (label, lines)
