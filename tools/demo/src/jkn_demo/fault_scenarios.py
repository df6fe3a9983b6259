"""The faults of ``python -m jkn_demo faults``, each injected while the journey runs, and how
long the system took to come back from it.

Recovery, measured after each fault: from the moment the faulted part is back (the process
restarted, the broker or database answering again, SIGCONT sent, the simulator's faults
switched off) until the service is *consuming again* (``jkn_demo.fault_probes``): it has
committed work since (an inbox or outbox row; timed by the row's own timestamp, not by when
the probe saw it), or its consumer group has committed an offset past where it stood when
the fault ended, or it has nothing to apply (``/health`` answers and its group has no lag).
The first of these that holds ends the measurement.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from jkn_demo.fault_infra import OwnKafka, OwnPostgres
from jkn_demo.fault_probes import (
    first_write_since,
    group_lag,
    group_offsets,
    healthy,
    offsets_moved,
)
from jkn_demo.stack import Stack

__all__ = ["BUS_SERVICES", "SCENARIOS", "Recovery", "Run", "Scenario"]

BUS_SERVICES = ("enrollment", "verification", "bpjs-gateway", "notifications", "audit")
PAUSE_S = 15.0  # past the consumers' session timeout (aiokafka's 10 s default)


@dataclass(frozen=True)
class Recovery:
    fault: str
    seconds: float
    how: str  # "applied" (a write since), "committed" (an offset since), "no lag" (nothing waited)
    healthy_s: float | None  # of which until its /health answered (the process up)


@dataclass
class Run:
    """What a scenario acts on: the stack, its database and broker, its own infrastructure."""

    stack: Stack
    admin_url: str
    database: str
    bootstrap: str
    rng: random.Random
    seed: int = 0
    kafka: OwnKafka | None = None
    postgres: OwnPostgres | None = None
    recoveries: list[Recovery] = field(default_factory=list)


@dataclass(frozen=True)
class Scenario:
    name: str
    injections: int  # the import is split in as many chunks; one fault after each chunk
    inject: Callable[[Run, int], Awaitable[None]]
    own_kafka: bool = False
    own_postgres: bool = False


async def _until_healthy(url: str, started: float) -> float:
    """Seconds from ``started`` until ``url``'s /health answers (polled on its own, so the
    slower probes of ``consuming_again`` do not delay the reading)."""
    while True:
        if await healthy(url):
            return round(time.monotonic() - started, 2)
        await asyncio.sleep(0.1)


async def consuming_again(run: Run, service: str, fault: str, *, within_s: float = 120.0) -> None:
    """Record how long ``service`` took, from now, to be consuming again (module doc)."""
    since, started = datetime.now(UTC), time.monotonic()
    up = asyncio.create_task(_until_healthy(run.stack.url(service), started))
    group = run.stack.env["JKN_TOPIC_PREFIX"] + service
    offsets = await asyncio.to_thread(group_offsets, run.bootstrap, group)
    how, seconds = "timeout", float(within_s)
    try:
        while time.monotonic() - started < within_s:
            first = await first_write_since(run.admin_url, run.database, service, since)
            if first is not None:
                how, seconds = "applied", (first - since).total_seconds()
                break
            if await asyncio.to_thread(offsets_moved, run.bootstrap, group, offsets):
                how, seconds = "committed", time.monotonic() - started
                break
            if up.done() and await asyncio.to_thread(group_lag, run.bootstrap, group) == 0:
                how, seconds = "no lag", time.monotonic() - started
                break
            await asyncio.sleep(0.1)
        healthy_s = await asyncio.wait_for(asyncio.shield(up), 10) if how != "timeout" else None
    except TimeoutError:
        healthy_s = None
    finally:
        up.cancel()
    run.recoveries.append(Recovery(fault, round(seconds, 2), how, healthy_s))


async def _all_consuming(run: Run, fault: str) -> None:
    await asyncio.gather(*(consuming_again(run, s, f"{fault}: {s}") for s in BUS_SERVICES))


async def _kill_service(run: Run, i: int) -> None:
    order = list(BUS_SERVICES)  # each service once, in an order of the run's seed
    random.Random(run.seed).shuffle(order)  # noqa: S311 - fault timing, not security
    service = order[i % len(order)]
    await asyncio.sleep(run.rng.uniform(0.0, 2.0))
    run.stack.kill(service)
    run.stack.start((service,))
    await consuming_again(run, service, f"SIGKILL {service}")


async def _kill_simulator(run: Run, _: int) -> None:
    await asyncio.sleep(run.rng.uniform(0.0, 2.0))
    run.stack.kill("bpjs-sim")
    await asyncio.sleep(1.0)
    run.stack.start(("bpjs-sim",))  # on the same store: BPJS_SIM_DB is in the stack's env
    await asyncio.to_thread(run.stack.wait_healthy, 60)
    await consuming_again(run, "bpjs-gateway", "SIGKILL bpjs-sim")


async def _restart_broker(run: Run, _: int) -> None:
    assert run.kafka is not None
    await asyncio.sleep(run.rng.uniform(0.0, 2.0))
    await asyncio.to_thread(run.kafka.kill)
    await asyncio.sleep(2.0)
    await asyncio.to_thread(run.kafka.start)
    await _all_consuming(run, "SIGKILL broker")


async def _restart_postgres(run: Run, _: int) -> None:
    assert run.postgres is not None
    await asyncio.sleep(run.rng.uniform(0.0, 2.0))
    await asyncio.to_thread(run.postgres.crash)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(run.postgres.start)
    await _all_consuming(run, "SIGKILL postgres")


async def _pause_consumer(run: Run, i: int) -> None:
    service = ("verification", "bpjs-gateway", "notifications", "audit", "enrollment")[i % 5]
    await asyncio.sleep(run.rng.uniform(0.0, 1.0))
    pid = run.stack.procs[service].pid
    os.kill(pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(PAUSE_S)
    finally:
        os.kill(pid, signal.SIGCONT)
    await consuming_again(run, service, f"SIGSTOP {service} {PAUSE_S:.0f} s")


# what the simulator answers a share of calls with, one kind after each chunk; the gateway
# runs with BPJS_TIMEOUT_S=2, so 2.5 s of latency is a timeout (the call still lands)
BPJS_FAULTS: tuple[dict[str, Any], ...] = (
    {"http_500_rate": 0.3},
    {"latency_ms": 2500},
    {"html_error": True},
    {"truncated_body": True},
    {"undecryptable": True},
    {"latency_ms": 400, "http_500_rate": 0.2},
)


async def _bpjs_faults(run: Run, i: int) -> None:
    faults = BPJS_FAULTS[i % len(BPJS_FAULTS)]
    sim = f"{run.stack.url('bpjs-sim')}/_sim/faults"
    async with httpx.AsyncClient(timeout=10) as client:
        (await client.post(sim, json=faults)).raise_for_status()
        try:
            await asyncio.sleep(run.rng.uniform(2.0, 4.0))
        finally:
            (await client.delete(sim)).raise_for_status()
    await consuming_again(run, "bpjs-gateway", "BPJS " + ",".join(sorted(faults)))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("service-kills", 5, _kill_service),
        Scenario("simulator-kill", 2, _kill_simulator),
        Scenario("broker-restart", 2, _restart_broker, own_kafka=True),
        Scenario("postgres-restart", 2, _restart_postgres, own_postgres=True),
        Scenario("consumer-paused", 2, _pause_consumer),
        Scenario("bpjs-faults", len(BPJS_FAULTS), _bpjs_faults),
    )
}
