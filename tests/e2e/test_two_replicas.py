"""Two replicas of every bus service against the same topics and database, and the journey
still right: each service's consumer group has two members holding disjoint partitions
(every partition of what it consumes held once), one replica per service holds the outbox
relay, and SIGKILL of the replica holding verification's relay hands it to the other, which
publishes the rest: every resident ends in their expected state once, nothing is lost or
duplicated where the effects land, and the agencies agree (``jkn_demo.scaleout``, the run
of ``make bench-scaleout``). No figure of speed is asserted.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from jkn_contracts.topics import BUS_SERVICES
from jkn_demo.fault_scenarios import Run
from jkn_demo.faults import make_city
from jkn_demo.replicas import relay_holders
from jkn_demo.scaleout import run_replicas
from jkn_demo.stackenv import STATE_DIR
from jkn_devstack.topics import wanted_topics

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1500)]

PORT_OFFSET = 6000  # ports below 32768, Linux's ephemeral range
RESIDENTS = 60
SEED = 17
KILLED_SERVICE = "verification"


_PUBLISHED_SINCE = "SELECT count(*) FROM verification.outbox WHERE published_at > $1"


async def _kill_relay_holder(run: Run, seen: dict[str, Any]) -> None:
    """SIGKILL the replica holding verification's relay while the residents move; wait
    until the other replica took the relay over (its log says so) and published a row of
    verification's outbox since the kill (Postgres's clock on both sides)."""
    stack = run.stack
    holders = relay_holders(stack, KILLED_SERVICE)
    seen["before"] = holders
    assert len(holders) == 1, holders
    conn = await asyncpg.connect(run.admin_url, database=run.database)
    try:
        killed_at = await conn.fetchval("SELECT clock_timestamp()")
        stack.kill(holders[0])
        seen["killed"] = holders[0]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 180
        seen["published_since"] = 0
        while loop.time() < deadline:
            seen["published_since"] = await conn.fetchval(_PUBLISHED_SINCE, killed_at)
            if seen["published_since"] and relay_holders(stack, KILLED_SERVICE):
                break
            await asyncio.sleep(0.5)  # the other replica polls the lock: nothing to wait on
    finally:
        await conn.close()
    seen["after"] = relay_holders(stack, KILLED_SERVICE)


async def test_two_replicas_split_the_partitions_and_survive_the_relay_holders_death(
    tmp_path: Path,
) -> None:
    city = make_city(tmp_path / "city", RESIDENTS, SEED)
    seen: dict[str, Any] = {}

    async def fault(run: Run) -> None:
        await _kill_relay_holder(run, seen)

    row = await run_replicas(
        city,
        2,
        port_offset=PORT_OFFSET,
        # under the state directory: the replicas' logs outlive pytest's tmp_path cleanup
        run_dir=STATE_DIR / "scaleout" / "ci-two-replicas",
        settle_timeout=600,
        after_import=fault,
    )

    # the consumer groups: two members per service, partitions split, each held once
    topics = wanted_topics(row["topic_prefix"])
    for service in BUS_SERVICES:
        per_replica = row["assignments"][service]
        assert sorted(per_replica) == [service, f"{service}#2"], per_replica
        first, second = (set(parts) for parts in per_replica.values())
        assert first, per_replica
        assert second, per_replica
        assert not first & second, per_replica
        held = first | second
        for topic in {entry.rpartition(":")[0] for entry in held}:
            every = {f"{topic}:{p}" for p in range(topics[topic])}
            assert every <= held, (service, topic)

    # the relay: one holder, killed; the other replica took it over and published the rest
    survivor = f"{KILLED_SERVICE}#2" if seen["killed"] == KILLED_SERVICE else KILLED_SERVICE
    assert seen["after"] == [survivor], seen
    assert seen["published_since"] > 0, seen
    assert row["relay_holders"][KILLED_SERVICE] == [survivor]
    assert all(len(row["relay_holders"][s]) == 1 for s in BUS_SERVICES), row["relay_holders"]

    # the journey: every resident once where they must end, every effect once
    figures = {k: row[k] for k in ("lost", "duplicated", "simulator")}
    assert row["settled"], figures
    assert row["expected_active"] == RESIDENTS
    assert row["lost"] == dict.fromkeys(row["lost"], 0), figures
    assert row["duplicated"] == dict.fromkeys(row["duplicated"], 0), figures
    assert row["divergences"] == 0, row["divergence_rules"]
    assert row["audit_chain_ok"]
    assert row["outbox_unpublished"] == dict.fromkeys(row["outbox_unpublished"], 0)
    assert row["dead_letters"] == dict.fromkeys(row["dead_letters"], 0)
