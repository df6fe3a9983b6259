"""`make profile` on a tiny journey, against the real Kafka and Postgres, with py-spy
attached: every component is measured and flame-graphed, and the counts per resident add
up with what the journey must have done. (The figures are `make profile`'s business, never
a test's.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from jkn_demo.profile import JOURNEY_EVENTS, profile_journey, report
from jkn_demo.stack import COMPONENTS

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

PORT_OFFSET = 17000  # beside `make run`, `make profile` and the end-to-end stacks
RESIDENTS = 30


async def test_the_profile_section_counts_what_every_resident_cost_and_graphs_each_component(
    tmp_path: Path,
) -> None:
    profile = await profile_journey(
        RESIDENTS, tmp_path, port_offset=PORT_OFFSET, spy_rate=20, idle_seconds=2
    )

    assert profile.final == profile.proposed > RESIDENTS  # the batch mixes in ineligible ones
    assert profile.activated == RESIDENTS  # the quota is far larger than the batch
    every = {component.name for component in COMPONENTS}
    assert (
        set(profile.cpu_seconds) == set(profile.peak_rss) == set(profile.idle_cpu_seconds) == every
    )
    assert set(profile.flame_graphs) == every
    assert all(
        svg.read_bytes().lstrip().startswith(b"<?xml") for svg in profile.flame_graphs.values()
    )
    assert profile.counts.transactions > 0
    # each activated resident's way is five events, each one Kafka record at least
    assert profile.counts.records >= profile.activated * len(JOURNEY_EVENTS)
    # each activated resident was looked up at BPJS, then registered there
    assert profile.counts.bpjs_calls >= 2 * profile.activated
    # the servers they share: Postgres's and the broker's CPU, Postgres's time by statement
    assert set(profile.server_cpu_seconds) == {"postgres", "kafka"}
    assert all(cpu > 0 for cpu in profile.server_cpu_seconds.values())
    assert any("bpjs_intents" in statement.query for statement in profile.statements)
    # each service ran its statements as its own role
    roles = {"enrollment", "verification", "bpjs_gateway", "notifications", "audit"}
    assert set(profile.statements_by_role) == roles
    assert all(calls > 0 for calls in profile.statements_by_role.values())
    table = "\n".join(report(profile))
    assert all(name in table for name in every)
    assert "postgres (server)" in table
    assert "Postgres's time by statement" in table
    assert "Postgres statements per resident, by service role: " in table
