"""``python -m jkn_demo faults`` (``make test-faults``): the journey under faults, and what
landed where afterwards.

For each scenario (``jkn_demo.fault_scenarios``) a whole stack is started (the five
services and the BPJS simulator in strict mode, as separate processes, on a fresh database
and topic prefix; on a Kafka or Postgres of its own where the scenario kills those), the
simulator is seeded, and the city's proposals are imported in chunks; after each chunk a
fault is injected while the residents move through the services, and the recovery is
measured. Once every resident is final and nothing is in flight, the effects are counted
where they land (``jkn_demo.effects``) and the cross-agency invariants are checked
(``jkn_demo.invariant_reads``). A table is printed and each scenario's figures are written
to ``test-artifacts/faults/<scenario>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from jkn_demo.effects import Effects, city_cards, count_effects, quiet
from jkn_demo.fault_infra import OwnKafka, OwnPostgres, clean_run, stack_env
from jkn_demo.fault_scenarios import SCENARIOS, Run, Scenario
from jkn_demo.invariant_reads import Report, check
from jkn_demo.journey_load import APPROVER, IMPORTER
from jkn_demo.scenario import CityFiles, generate_city, seed_bpjs
from jkn_demo.stack import Stack
from jkn_demo.stackenv import ADMIN_URL, BOOTSTRAP, PSEUDONYM_KEY, STATE_DIR

__all__ = ["main", "make_city", "run_scenario", "table"]

_FINAL = ("activated", "rejected", "refused", "waitlisted", "deactivated")


def _say(text: str) -> None:
    print(text, flush=True)


def make_city(directory: Path, residents: int, seed: int) -> CityFiles:
    """A city with ``residents`` eligible proposals (and a few of every other kind), all of
    whom fit in the quota: every eligible resident must end activated."""
    return generate_city(
        directory,
        seed=seed,
        size=max(3000, residents * 12),
        pseudonym_key=PSEUDONYM_KEY,
        extra=["--eligible", str(residents), "--quota", "100000000"],
    )


def expected_ends(city: CityFiles) -> dict[str, str]:
    """Each proposed resident's Dinsos status at the end (bad NIKs never enter)."""
    return {
        row["participant_id"]: "activated" if row["category"] == "eligible" else "rejected"
        for row in city.manifest["rows"]
        if row["category"] != "bad_nik"
    }


def chunks(proposals: bytes, n: int) -> list[bytes]:
    """The CSV cut into ``n`` files of consecutive lines, each with the header."""
    header, *lines = proposals.decode().splitlines(keepends=True)
    size = -(-len(lines) // n)
    return [(header + "".join(lines[i : i + size])).encode() for i in range(0, len(lines), size)]


async def _import(client: httpx.AsyncClient, enrollment: str, body: bytes) -> None:
    """Import one chunk as Dinsos's system, approved by a Dinsos officer, and wait until it
    is done; retried while the service is coming back (a refused resident is refused once:
    one open proposal each)."""
    deadline = time.monotonic() + 120
    while True:
        try:
            reply = await client.post(
                f"{enrollment}/imports",
                content=body,
                params={"proposed_by": "faults"},
                headers={"content-type": "text/csv"},
                auth=IMPORTER,
            )
            reply.raise_for_status()
            import_id = reply.json()["import_id"]
            # a preview until a second Dinsos officer approves it (maker-checker)
            approved = await client.post(f"{enrollment}/imports/{import_id}/approve", auth=APPROVER)
            approved.raise_for_status()
            while True:
                answer = await client.get(f"{enrollment}/imports/{import_id}", auth=IMPORTER)
                if answer.raise_for_status().json()["status"] != "running":
                    return
                await asyncio.sleep(0.5)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1)


async def _settle(run: Run, expected: dict[str, str], within_s: float) -> bool:
    """Wait until every expected resident has a final Dinsos status and nothing is in
    flight (outboxes empty, no message pending); False if that never happens."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            conn = await asyncpg.connect(run.admin_url, database=run.database)
            try:
                final = await conn.fetchval(
                    "SELECT count(DISTINCT participant_id) FROM enrollment.proposals"
                    " WHERE status = ANY($1::text[]) AND participant_id = ANY($2::text[])",
                    list(_FINAL),
                    list(expected),
                )
                waiting = await quiet(conn)
            finally:
                await conn.close()
            if final == len(expected) and not any(waiting.values()):
                return True
        except (OSError, asyncpg.PostgresError):
            pass
        await asyncio.sleep(1)
    return False


async def run_scenario(
    scenario: Scenario,
    city: CityFiles,
    *,
    seed: int,
    port_offset: int,
    run_dir: Path,
    settle_timeout: float = 1800.0,
) -> dict[str, Any]:
    """One scenario from a fresh stack to its counted effects (the JSON written)."""
    await asyncio.to_thread(run_dir.mkdir, parents=True, exist_ok=True)
    kafka = OwnKafka.create(run_dir / "kafka-state") if scenario.own_kafka else None
    postgres = OwnPostgres.create(run_dir / "pg-state") if scenario.own_postgres else None
    database, prefix = f"jkn_faults_{uuid.uuid4().hex[:8]}", f"faults{uuid.uuid4().hex[:8]}."
    stack: Stack | None = None
    try:
        if kafka is not None:
            await asyncio.to_thread(kafka.start)
        if postgres is not None:
            await asyncio.to_thread(postgres.start)
        admin_url = postgres.admin_url if postgres else ADMIN_URL
        bootstrap = kafka.bootstrap if kafka else BOOTSTRAP
        env = await stack_env(run_dir, database, prefix, admin_url, bootstrap)
        env.update(
            JKN_REFERENCE_DIR=str(city.directory),
            JKN_QUOTA_TOTAL="100000000",
            BPJS_SIM_STRICT="1",
            BPJS_TIMEOUT_S="2",
        )
        stack = Stack(run_dir, env, port_offset=port_offset)
        stack.start()
        await asyncio.to_thread(stack.wait_healthy, 180)
        run = Run(stack, admin_url, database, bootstrap, random.Random(seed), seed, kafka, postgres)  # noqa: S311
        return await _drive(run, scenario, city, settle_timeout)
    finally:
        if stack is not None:
            stack.stop()
        await clean_run(database, prefix, kafka, postgres)


async def _drive(
    run: Run, scenario: Scenario, city: CityFiles, settle_timeout: float
) -> dict[str, Any]:
    stack, expected = run.stack, expected_ends(city)
    sim_db = Path(stack.env["BPJS_SIM_DB"])
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=120) as client:
        await seed_bpjs(client, stack.url("bpjs-sim"), city, only_proposed=True)
        cards_before = await city_cards(sim_db)
        for i, body in enumerate(chunks(city.proposals, scenario.injections)):
            await _import(client, stack.url("enrollment"), body)
            await scenario.inject(run, i)
        settled = await _settle(run, expected, settle_timeout)
        report, fx = await agreement_and_effects(run, client, expected, cards_before)
    times = [r.seconds for r in run.recoveries]
    return {
        "scenario": scenario.name,
        "seconds": round(time.monotonic() - started, 1),
        "settled": settled and report.settled,
        "divergences": len(report.divergences),
        "divergence_rules": sorted({d.rule for d in report.divergences}),
        "recovery_max_s": max(times, default=0.0),
        "recovery_median_s": statistics.median(times) if times else 0.0,
        "recoveries": [r.__dict__ for r in run.recoveries],
        **fx.as_dict(),
    }


async def agreement_and_effects(
    run: Run, client: httpx.AsyncClient, expected: dict[str, str], cards_before: int
) -> tuple[Report, Effects]:
    """Once the run settled: the cross-agency check and the effects counted where they
    land (``jkn_demo.effects``), on the run's database and simulator store."""
    sim_db = Path(run.stack.env["BPJS_SIM_DB"])
    report = await check(run.database, sim_db, settle_s=3, timeout_s=120, admin_url=run.admin_url)
    conn = await asyncpg.connect(run.admin_url, database=run.database)
    try:
        fx = await count_effects(
            conn,
            client,
            sim_url=run.stack.url("bpjs-sim"),
            sim_db=sim_db,
            audit_url=run.stack.url("audit"),
            expected=expected,
            cards_before=cards_before,
        )
    finally:
        await conn.close()
    return report, fx


def failures(row: dict[str, Any]) -> list[str]:
    """What in one scenario's figures breaks the system's promises (empty: none)."""
    found = [k for k in ("lost_total", "dup_total", "divergences") if row[k]]
    found += [] if row["settled"] else ["not settled"]
    found += [] if row["audit_chain_ok"] else ["audit chain broken"]
    found += [f"outbox {s}" for s, n in row["outbox_unpublished"].items() if n]
    found += [f"dead letters {s}" for s, n in row["dead_letters"].items() if n]
    return found


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'scenario':<18} {'residents':>9} {'lost':>5} {'dup':>5} {'diverg':>6}"
        f" {'recovery max/median s':>22}  problems"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        rec = f"{r['recovery_max_s']:.1f} / {r['recovery_median_s']:.1f}"
        lines.append(
            f"{r['scenario']:<18} {r['residents']:>9} {r['lost_total']:>5} {r['dup_total']:>5}"
            f" {r['divergences']:>6} {rec:>22}  {', '.join(failures(r)) or 'none'}"
        )
    return "\n".join(lines)


async def _main(args: argparse.Namespace) -> int:
    # SIGTERM (a CI timeout) cancels the run, so that every stack and broker is cleaned up
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    city = make_city(
        STATE_DIR / "faults" / f"city-{args.residents}-{args.seed}", args.residents, args.seed
    )
    rows = []
    for name in args.scenario or list(SCENARIOS):
        _say(f"-- {name}: {args.residents} residents --")
        row = await run_scenario(
            SCENARIOS[name],
            city,
            seed=args.seed,
            port_offset=args.port_offset,
            run_dir=STATE_DIR / "faults" / name,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{name}.json").write_text(json.dumps(row, indent=1, default=str) + "\n")
        for rec in row["recoveries"]:
            _say(
                f"   {rec['fault']:<36} recovered in {rec['seconds']:6.2f} s ({rec['how']};"
                f" /health after {rec['healthy_s']} s)"
            )
        rows.append(row)
    _say(table(rows))
    return 1 if any(failures(r) for r in rows) else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m jkn_demo faults")
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--port-offset", type=int, default=24000)
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/faults"))
    return asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
