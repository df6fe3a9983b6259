"""``python -m jkn_demo scaleout`` (``make bench-scaleout``): the same city with one and with
two replicas of every bus service, correct both times, and how long each took.

For each replica count a whole stack is started the way the fault suite starts one (the
services and the BPJS simulator in strict mode, as separate processes, on a fresh database
and topic prefix, both removed at the end; ``jkn_demo.faults``), with that many processes
per bus service against the same topics, consumer groups and database. Before the clock
starts, each service's group must show one member per replica with disjoint partitions
(``jkn_demo.replicas``). Then the city's proposals are imported in one CSV, approved, and
the clock stops when every resident is final and nothing is in flight. The effects are
counted where they land (``jkn_demo.effects``: lost and duplicated must be 0), the
cross-agency invariants checked (``jkn_demo.invariant_reads``), and a table is printed
(``jkn_demo.scaleout_table``); the figures go to ``test-artifacts/scaleout/<n>.json``.

A throughput figure from one machine says how the replicas share *this* machine's cores:
on two cores, two replicas of five services compete with the broker and Postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from jkn_contracts.topics import BUS_SERVICES

from jkn_demo.effects import city_cards
from jkn_demo.fault_infra import clean_run, stack_env
from jkn_demo.fault_scenarios import Run
from jkn_demo.faults import _import, _settle, agreement_and_effects, expected_ends, make_city
from jkn_demo.replicas import LockSampler, relay_holders, wait_for_split
from jkn_demo.scaleout_table import problems, table
from jkn_demo.scenario import CityFiles, seed_bpjs
from jkn_demo.stack import Stack
from jkn_demo.stackenv import ADMIN_URL, BOOTSTRAP, STATE_DIR

__all__ = ["main", "run_replicas"]


def _say(text: str) -> None:
    print(text, flush=True)


def _per_service(per_process: dict[str, float]) -> dict[str, float]:
    """CPU seconds per component, its replicas summed (``verification#2`` -> verification)."""
    summed: dict[str, float] = {}
    for name, seconds in per_process.items():
        base = name.partition("#")[0]
        summed[base] = round(summed.get(base, 0.0) + seconds, 1)
    return summed


def _cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return _per_service({n: after[n] - before.get(n, 0.0) for n in after})


def _fresh_logs(run_dir: Path) -> None:
    """The run directory without a previous run's logs: the replicas' logs are read for
    what they did (their partitions, the relay)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for old in run_dir.glob("*.log"):
        old.unlink()


async def run_replicas(
    city: CityFiles,
    replicas: int,
    *,
    port_offset: int,
    run_dir: Path,
    settle_timeout: float = 1800.0,
    after_import: Callable[[Run], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """One fresh stack with ``replicas`` processes per bus service, the city through it,
    its figures (the row of the table). ``after_import`` runs once the import is done
    and the residents are on their way (a test's fault: a replica killed)."""
    await asyncio.to_thread(_fresh_logs, run_dir)
    database, prefix = f"jkn_scale_{uuid.uuid4().hex[:8]}", f"scale{uuid.uuid4().hex[:8]}."
    stack: Stack | None = None
    try:
        env = await stack_env(run_dir, database, prefix, ADMIN_URL, BOOTSTRAP)
        env.update(
            JKN_REFERENCE_DIR=str(city.directory),
            JKN_QUOTA_TOTAL="100000000",
            BPJS_SIM_STRICT="1",
        )
        stack = Stack(run_dir, env, port_offset=port_offset, replicas=replicas)
        stack.start()
        await asyncio.to_thread(stack.wait_healthy, 240)
        split = await wait_for_split(stack, BOOTSTRAP, BUS_SERVICES, timeout_s=180)
        run = Run(stack, ADMIN_URL, database, BOOTSTRAP, random.Random(0))  # noqa: S311
        row = await _journey(run, city, settle_timeout, after_import)
        row["replicas"], row["topic_prefix"] = replicas, prefix
        row["partitions"] = {
            s: {n: len(p) for n, p in per.items()} for s, per in sorted(split.items())
        }
        row["assignments"] = {
            s: {n: sorted(f"{t}:{p}" for t, p in parts) for n, parts in per.items()}
            for s, per in sorted(split.items())
        }
        row["relay_holders"] = {s: relay_holders(stack, s) for s in BUS_SERVICES}
        return row
    finally:
        if stack is not None:
            stack.stop()
        await clean_run(database, prefix, None, None)


async def _journey(
    run: Run,
    city: CityFiles,
    settle_timeout: float,
    after_import: Callable[[Run], Awaitable[None]] | None,
) -> dict[str, Any]:
    """Import the city, wait until it settled; the time, the CPU, the effects."""
    stack, expected = run.stack, expected_ends(city)
    sim_db = Path(stack.env["BPJS_SIM_DB"])
    locks = LockSampler(run.admin_url, run.database)
    async with httpx.AsyncClient(timeout=120) as client:
        await seed_bpjs(client, stack.url("bpjs-sim"), city, only_proposed=True)
        cards_before = await city_cards(sim_db)
        cpu_before = stack.cpu_seconds()
        locks.start()
        started = time.monotonic()
        try:
            await _import(client, stack.url("enrollment"), city.proposals)
            if after_import is not None:
                await after_import(run)
            settled = await _settle(run, expected, settle_timeout)
            seconds = time.monotonic() - started
        finally:
            await locks.stop()
        cpu = _cpu_used(cpu_before, stack.cpu_seconds())
        report, fx = await agreement_and_effects(run, client, expected, cards_before)
    return {
        "seconds": round(seconds, 1),
        "residents_per_s": round(len(expected) / seconds, 2),
        "settled": settled and report.settled,
        "divergences": len(report.divergences),
        "divergence_rules": sorted({d.rule for d in report.divergences}),
        "cpu_seconds": cpu,
        "lock_samples": locks.samples,
        "lock_waits": {f"{role} {kind}": n for (role, kind), n in locks.waits.most_common()},
        **fx.as_dict(),
    }


async def _main(args: argparse.Namespace) -> int:
    # SIGTERM (a CI timeout) cancels the run, so that every stack and database is cleaned up
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    city = make_city(
        STATE_DIR / "scaleout" / f"city-{args.residents}-{args.seed}", args.residents, args.seed
    )
    rows = []
    for replicas in args.replicas:
        _say(f"-- {replicas} replica(s) of each bus service: {args.residents} eligible --")
        row = await run_replicas(
            city,
            replicas,
            port_offset=args.port_offset,
            run_dir=STATE_DIR / "scaleout" / f"replicas-{replicas}",
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{replicas}.json").write_text(json.dumps(row, indent=1, default=str) + "\n")
        _say(f"   {row['seconds']} s, {row['residents_per_s']} residents/s")
        rows.append(row)
    _say(table(rows))
    return 1 if any(problems(r) for r in rows) else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m jkn_demo scaleout")
    parser.add_argument("--residents", type=int, default=300, help="eligible residents")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--port-offset", type=int, default=23000)
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/scaleout"))
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
