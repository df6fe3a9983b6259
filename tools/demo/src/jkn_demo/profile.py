"""`make profile`: where the time goes. `make bench`'s journey (residents proposed by one
CSV import until each is final) on a stack of its own, with ``py-spy record`` attached to
every component for the run; then per component the CPU milliseconds per resident (from
the processes' own CPU time) and the peak RSS, and per resident the Postgres transactions,
Kafka records and BPJS calls (jkn_demo.profile_counters). One flame graph (SVG) per
component is written under the run directory it prints.

py-spy reads the services' memory through ptrace: run as root, or allow it
(``kernel.yama.ptrace_scope=0``, or the CAP_SYS_PTRACE capability in a container).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from jkn_devstack.topics import delete_topics

from jkn_demo import shared_servers as servers
from jkn_demo.journey_load import run_journey
from jkn_demo.profile_counters import (
    Counters,
    bpjs_calls,
    kafka_records,
    postgres_transactions,
    wait_for_no_sessions,
)
from jkn_demo.scenario import generate_city, seed_bpjs
from jkn_demo.stack import Stack
from jkn_demo.stackenv import (
    BOOTSTRAP,
    PSEUDONYM_KEY,
    STATE_DIR,
    bpjs_limits_for_bench,
    drop_database,
    fresh_stack_env,
)

__all__ = ["JOURNEY_EVENTS", "Profile", "main", "profile_journey"]

# the events of one activated resident's way through the services, each a Kafka record
JOURNEY_EVENTS = (
    "ParticipantRegistered",
    "CoverageCheckRequested",
    "CoverageReported",
    "ParticipantVerified",
    "ParticipantActivated",
)
PORT_OFFSET = 21000  # beside `make run`, `make bench` and the end-to-end stacks


@dataclass
class Profile:
    """One journey's figures: residents, time, and what each component and source did."""

    proposed: int = 0
    final: int = 0
    activated: int = 0
    seconds: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, int] = field(default_factory=dict)
    counts: Counters = field(default_factory=lambda: Counters(0, 0, 0))
    flame_graphs: dict[str, Path] = field(default_factory=dict)
    # the stack at rest just before the import: its background cost per second
    idle_seconds: float = 0.0
    idle_cpu_seconds: dict[str, float] = field(default_factory=dict)
    idle_transactions: int = 0
    # the shared servers over the journey (jkn_demo.shared_servers)
    server_cpu_seconds: dict[str, float] = field(default_factory=dict)
    statements: list[servers.Statement] = field(default_factory=list)
    statements_by_role: dict[str, int] = field(default_factory=dict)


async def profile_journey(
    residents: int,
    run_dir: Path,
    *,
    port_offset: int = PORT_OFFSET,
    spy_rate: int | None = 50,
    idle_seconds: float = 10.0,
) -> Profile:
    """Run the journey for ``residents`` eligible residents on a fresh stack; with
    ``spy_rate`` (samples/s), py-spy records each component into ``run_dir``/flames.

    The stack is first left at rest for ``idle_seconds``: what it spends with no resident
    to handle (polling) is spread over the residents too, more so the slower they go.
    """
    city = generate_city(
        run_dir / "city",
        seed=7,
        size=max(3000, residents * 12),
        pseudonym_key=PSEUDONYM_KEY,
        extra=["--eligible", str(residents), "--quota", "100000000"],
    )
    prefix, database = f"prof{uuid.uuid4().hex[:6]}.", f"jkn_profile_{uuid.uuid4().hex[:6]}"
    env = await fresh_stack_env(
        database=database,
        topic_prefix=prefix,
        run_dir=run_dir,
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL="100000000",
        **bpjs_limits_for_bench(),
    )
    stack = Stack(run_dir, env, port_offset=port_offset)
    profile = Profile()
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        async with httpx.AsyncClient(timeout=120) as client:
            await seed_bpjs(client, stack.url("bpjs-sim"), city, only_proposed=True)
            await _at_rest(stack, database, idle_seconds, profile)
            spies = _start_spies(stack, run_dir / "flames", spy_rate) if spy_rate else {}
            before = Counters(
                await postgres_transactions(database),
                await kafka_records(prefix),
                await bpjs_calls(client, stack.url("bpjs-sim")),
            )
            counting = await servers.reset_statements()
            try:
                await _journey(stack, client, city.proposals, prefix, profile)
                if counting:
                    profile.statements = await servers.top_statements(database)
                    profile.statements_by_role = await servers.statements_by_role(database)
                records = await kafka_records(prefix)
                calls = await bpjs_calls(client, stack.url("bpjs-sim"))
            finally:
                profile.flame_graphs = _stop_spies(spies)
        stack.stop()  # each service's Postgres sessions end and publish their counts
        await wait_for_no_sessions(database)
        after = Counters(await postgres_transactions(database), records, calls)
        profile.counts = after - before
    finally:
        stack.stop()
        await delete_topics(BOOTSTRAP, prefix)
        await drop_database(database)
    return profile


async def _journey(
    stack: Stack, client: httpx.AsyncClient, proposals: bytes, prefix: str, profile: Profile
) -> None:
    """bench.py's journey (jkn_demo.journey_load), its figures kept in ``profile``."""
    run = await run_journey(stack, client, proposals, prefix, "profile")
    profile.peak_rss = run.peak_rss
    profile.seconds = run.seconds
    profile.cpu_seconds = run.cpu_seconds
    profile.server_cpu_seconds = run.server_cpu_seconds
    profile.proposed, profile.final, profile.activated = (
        len(run.registered),
        len(run.final),
        len(run.activated),
    )


async def _at_rest(stack: Stack, database: str, seconds: float, profile: Profile) -> None:
    """CPU time and Postgres transactions of the stack over ``seconds`` with nothing to do
    (Postgres publishes an active session's counts about once a second: near, not exact)."""
    cpu_before, transactions = stack.cpu_seconds(), await postgres_transactions(database)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    profile.idle_seconds = time.monotonic() - started
    profile.idle_transactions = await postgres_transactions(database) - transactions
    cpu_after = stack.cpu_seconds()
    profile.idle_cpu_seconds = servers.cpu_spent(cpu_before, cpu_after)


def _py_spy() -> str:
    """py-spy of this environment (a dev dependency), or the one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if found is None:
        raise RuntimeError("py-spy not found: `uv sync` installs it (a dev dependency)")
    return found


def _start_spies(
    stack: Stack, flames: Path, rate: int
) -> dict[str, tuple[Path, subprocess.Popen[bytes]]]:
    """One ``py-spy record`` per component, sampling without pausing it (--nonblocking)."""
    flames.mkdir(parents=True, exist_ok=True)
    spies = {}
    for name, proc in stack.procs.items():
        svg = flames / f"{name}.svg"
        log = (flames / f"{name}.py-spy.log").open("wb")
        command = [_py_spy(), "record", "--pid", str(proc.pid), "--format", "flamegraph"]
        command += ["-o", str(svg), "--nonblocking", "--rate", str(rate)]
        spy = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - py-spy of our own environment
        spies[name] = (svg, spy)
    return spies


def _stop_spies(spies: dict[str, tuple[Path, subprocess.Popen[bytes]]]) -> dict[str, Path]:
    """Interrupt each py-spy (it writes its flame graph then); the graphs written."""
    for _, spy in spies.values():
        spy.send_signal(signal.SIGINT)
    written = {}
    for name, (svg, spy) in spies.items():
        spy.wait(timeout=120)
        if svg.exists():
            written[name] = svg
    return written


def report(profile: Profile) -> list[str]:
    """The table `make profile` prints."""
    per = max(profile.final, 1)
    lines = [
        f"residents final: {profile.final} of {profile.proposed} proposed "
        f"({profile.activated} activated) in {profile.seconds:.1f} s "
        f"({profile.final / profile.seconds:.1f} residents/s)",
        f"{'component':<17} {'CPU ms/resident':>16} {'% of a core':>12} {'peak RSS MiB':>13}"
        f" {'at rest: CPU ms/s':>18}",
    ]
    rest = max(profile.idle_seconds, 1e-9)
    for name in sorted(profile.cpu_seconds, key=lambda n: -profile.cpu_seconds[n]):
        cpu = profile.cpu_seconds[name]
        lines.append(
            f"{name:<17} {cpu * 1000 / per:16.2f} {cpu / profile.seconds:12.0%} "
            f"{profile.peak_rss.get(name, 0) / 2**20:13.0f} "
            f"{profile.idle_cpu_seconds.get(name, 0.0) * 1000 / rest:18.1f}"
        )
    total, idle = sum(profile.cpu_seconds.values()), sum(profile.idle_cpu_seconds.values())
    lines.append(
        f"{'all':<17} {total * 1000 / per:16.2f} {total / profile.seconds:12.0%} {'':13} "
        f"{idle * 1000 / rest:18.1f}"
    )
    for name, cpu in sorted(profile.server_cpu_seconds.items()):
        lines.append(
            f"{name + ' (server)':<17} {cpu * 1000 / per:16.2f} {cpu / profile.seconds:12.0%}"
        )
    counts = profile.counts
    lines.append(
        f"per resident: {counts.transactions / per:.1f} Postgres transactions, "
        f"{counts.records / per:.1f} Kafka records, {counts.bpjs_calls / per:.2f} BPJS calls "
        f"(totals {counts.transactions}, {counts.records}, {counts.bpjs_calls})"
    )
    lines.append(
        f"at rest ({profile.idle_seconds:.0f} s before the import): "
        f"{profile.idle_transactions / rest:.0f} Postgres transactions/s"
    )
    if profile.statements_by_role:
        lines.append(
            "Postgres statements per resident, by service role: "
            + ", ".join(f"{role} {n / per:.1f}" for role, n in profile.statements_by_role.items())
        )
    if profile.statements:
        lines.append("Postgres's time by statement (pg_stat_statements), per resident:")
        lines += [
            f"  {st.total_ms / per:7.2f} ms {st.calls / per:6.2f} calls  {st.query[:110]}"
            for st in profile.statements
        ]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make profile")
    parser.add_argument("--residents", type=int, default=2_000)
    parser.add_argument("--rate", type=int, default=50, help="py-spy samples per second")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="at rest, measured")
    parser.add_argument(
        "--port-offset", type=int, default=PORT_OFFSET, help="beside another profile run"
    )
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = Path(os.environ.get("JKN_PROFILE_DIR", STATE_DIR / "profile")) / stamp
    print(f"== jkn-daerah profile: {args.residents} residents, run directory {run_dir} ==")
    limits = bpjs_limits_for_bench()
    print(
        f"gateway: BPJS_RATE_PER_S={limits['BPJS_RATE_PER_S']}"
        f" BPJS_MAX_IN_FLIGHT={limits['BPJS_MAX_IN_FLIGHT']}"
    )
    profile = asyncio.run(
        profile_journey(
            args.residents,
            run_dir,
            port_offset=args.port_offset,
            spy_rate=args.rate,
            idle_seconds=args.idle_seconds,
        )
    )
    for line in report(profile):
        print(line)
    print(f"flame graphs ({len(profile.flame_graphs)}): {run_dir / 'flames'}/<component>.svg")
    return 0 if profile.final >= profile.proposed else 1
