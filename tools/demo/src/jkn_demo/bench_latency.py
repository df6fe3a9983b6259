"""`make bench-latency`: the gateway's BPJS throughput when BPJS answers in a realistic
250 ms, for a few values of ``BPJS_MAX_IN_FLIGHT`` (and ``BPJS_RATE_PER_S``).

One stack (ports +9000 for the command, a fresh database and topic prefix, removed after),
the simulator answering every BPJS call after ``--latency-ms`` (``POST /_sim/faults``). The
city's proposals are cut into one chunk per row; before each row the gateway alone is
restarted with that row's settings, then the chunk is imported and followed on the topics
until each resident is final. Through the row the simulator's call count and the calls it
has open (``GET /_sim/calls``, ``GET /_sim/in-flight``) are sampled; the rate is taken over
the steady part (10 % to 90 % of the row's calls) and set against the ceiling the settings
allow (jkn_demo.bench_latency_table). The gateway's peserta sync is off
(``BPJS_SYNC_INTERVAL_S=0``): only the journey's calls are counted.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from jkn_devstack.topics import delete_topics

from jkn_demo.bench_latency_table import RowResult, Sample, Setting, table
from jkn_demo.journey_load import APPROVER, IMPORTER, JourneyRun, accepted_when_done, watch_journey
from jkn_demo.scenario import CityFiles, generate_city, seed_bpjs
from jkn_demo.stack import Stack
from jkn_demo.stackenv import BOOTSTRAP, PSEUDONYM_KEY, STATE_DIR, drop_database, fresh_stack_env

__all__ = ["PORT_OFFSET", "latency_bench", "main"]

PORT_OFFSET = 9000  # beside the other stacks, below 32768 (Linux's ephemeral ports)
SAMPLE_EVERY_S = 0.5
# intents the worker could claim now (each participant's oldest open one, pending and due):
# with slots idle, some waiting means the gateway's own cycle is slow, none that it starves
_DUE_WAITING = """
SELECT count(*) FROM (
    SELECT DISTINCT ON (participant_id) state, next_attempt_at FROM bpjs_intents
    WHERE state IN ('pending', 'in_flight') ORDER BY participant_id, id
) AS heads WHERE state = 'pending' AND next_attempt_at <= now()
"""


def _say(text: str = "") -> None:
    print(text, flush=True)


def _chunks(proposals: bytes, parts: int) -> list[bytes]:
    """The proposals file as ``parts`` files of consecutive rows, each with the header."""
    rows = list(csv.reader(io.StringIO(proposals.decode())))
    header, body = rows[0], rows[1:]
    size = -(-len(body) // parts)
    out = []
    for start in range(0, len(body), size):
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([header, *body[start : start + size]])
        out.append(text.getvalue().encode())
    return out


def _eligible_by_chunk(city: CityFiles, parts: int) -> list[set[str]]:
    rows = city.manifest["rows"]
    size = -(-len(rows) // parts)
    chunks: list[set[str]] = [set() for _ in range(parts)]
    for row in rows:  # "row": the data line of the proposals file, from 1
        if row["category"] == "eligible":
            chunks[(row["row"] - 1) // size].add(row["participant_id"])
    return chunks


def _gateway_env(setting: Setting) -> dict[str, str]:
    return {
        "BPJS_MAX_IN_FLIGHT": str(setting.max_in_flight),
        "BPJS_RATE_PER_S": f"{setting.rate_per_s:g}",
        "BPJS_SYNC_INTERVAL_S": "0",
    }


def _restart_gateway(stack: Stack, setting: Setting) -> None:
    """The gateway alone, again, with ``setting`` (the other services keep running)."""
    proc = stack.procs.pop("bpjs-gateway")
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    stack.env = {**stack.env, **_gateway_env(setting)}
    stack.start(("bpjs-gateway",))
    stack.wait_healthy(timeout=120)


async def _sample(client: httpx.AsyncClient, simulator: str, gateway_db: Any) -> Sample:
    at = time.monotonic()  # before the reads: the counts are of a moment after it
    calls = (await client.get(f"{simulator}/_sim/calls")).raise_for_status().json()
    open_ = (await client.get(f"{simulator}/_sim/in-flight")).raise_for_status().json()
    due = await gateway_db.fetchval(_DUE_WAITING)
    cpu = psutil.cpu_times()
    idle = cpu.idle + getattr(cpu, "iowait", 0.0)
    total = sum(cpu)
    return Sample(
        at,
        int(calls["total"]),
        float(open_["busy_seconds"]),
        int(open_["in_flight"]),
        total - idle,
        total,
        int(due),
    )


async def _run_row(
    stack: Stack,
    client: httpx.AsyncClient,
    proposals: bytes,
    eligible: set[str],
    *,
    journey: JourneyRun,
    row: RowResult,
) -> None:
    """Import ``proposals``, follow them until final, sampling the simulator and the
    gateway's due intents meanwhile; ``journey`` carries what earlier rows showed (the
    topics are read from the start)."""
    simulator = stack.url("bpjs-sim")
    (await client.delete(f"{simulator}/_sim/in-flight")).raise_for_status()
    effects_before = (await client.get(f"{simulator}/_sim/effects")).json()
    final_before = set(journey.final)
    gateway_db = await asyncpg.connect(stack.env["BPJS_GATEWAY_DATABASE_URL"])
    try:
        row.samples.append(await _sample(client, simulator, gateway_db))

        async def sample() -> None:
            while True:
                await asyncio.sleep(SAMPLE_EVERY_S)
                row.samples.append(await _sample(client, simulator, gateway_db))

        sampler = asyncio.create_task(sample())
        try:
            accepted = await _import_and_follow(stack, client, proposals, journey, row)
        finally:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
        row.samples.append(await _sample(client, simulator, gateway_db))
    finally:
        await gateway_db.close()
    row.final = len(set(journey.final) - final_before)
    row.activated = len(eligible & set(journey.activated))
    row.eligible = len(eligible)
    row.proposed = accepted
    row.calls = row.samples[-1].calls - row.samples[0].calls
    peak = (await client.get(f"{simulator}/_sim/in-flight")).raise_for_status().json()
    row.peak_in_flight = int(peak["in_flight_peak"])
    after = (await client.get(f"{simulator}/_sim/effects")).json()
    row.tambah_applied = after["tambah_applied"] - effects_before["tambah_applied"]
    row.tambah_repeated = after["tambah_repeated"] - effects_before["tambah_repeated"]
    row.cards_over_one_tambah = sum(
        1 for c in after["per_card"].values() if c["tambah_applied"] > 1
    )


async def _import_and_follow(
    stack: Stack, client: httpx.AsyncClient, proposals: bytes, journey: JourneyRun, row: RowResult
) -> int:
    """The import, approved, followed until each resident it accepted is final; the row's
    seconds and each component's CPU over them. Returns how many it accepted."""
    enrollment = stack.url("enrollment")
    final_before = len(journey.final)
    cpu_before = stack.cpu_seconds()
    started = time.monotonic()
    reply = await client.post(
        f"{enrollment}/imports",
        content=proposals,
        params={"proposed_by": "bench-latency"},
        headers={"content-type": "text/csv"},
        auth=IMPORTER,
    )
    import_id = reply.raise_for_status().json()["import_id"]
    approved = await client.post(f"{enrollment}/imports/{import_id}/approve", auth=APPROVER)
    approved.raise_for_status()
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[int] = loop.create_future()
    expected: asyncio.Future[int] = loop.create_future()

    async def expect() -> None:
        await accepted_when_done(client, enrollment, import_id, accepted)
        expected.set_result(final_before + accepted.result())

    poller = asyncio.create_task(expect())
    try:
        await watch_journey(stack.env["JKN_TOPIC_PREFIX"], expected, started + 1800, journey)
    finally:
        poller.cancel()
    row.seconds = time.monotonic() - started
    cpu_after = stack.cpu_seconds()
    row.cores = {
        name: (used - cpu_before.get(name, 0.0)) / row.seconds for name, used in cpu_after.items()
    }
    return accepted.result() if accepted.done() else 0


async def latency_bench(
    settings: list[Setting],
    residents: int,
    run_dir: Path,
    *,
    latency_ms: int = 250,
    port_offset: int = PORT_OFFSET,
) -> list[RowResult]:
    """One row per setting, ``residents`` eligible residents each (and the city's few of
    the other kinds), on a stack of its own, removed after."""
    city = generate_city(
        run_dir / "city",
        seed=29,
        size=max(3000, residents * len(settings) * 12),
        pseudonym_key=PSEUDONYM_KEY,
        extra=["--eligible", str(residents * len(settings)), "--quota", "100000000"],
    )
    prefix, database = f"lat{uuid.uuid4().hex[:6]}.", f"jkn_latency_{uuid.uuid4().hex[:6]}"
    env = await fresh_stack_env(
        database=database,
        topic_prefix=prefix,
        run_dir=run_dir,
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL="100000000",
        **_gateway_env(settings[0]),
    )
    stack = Stack(run_dir, env, port_offset=port_offset)
    chunks = _chunks(city.proposals, len(settings))
    eligible = _eligible_by_chunk(city, len(settings))
    rows: list[RowResult] = []
    journey = JourneyRun()
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        async with httpx.AsyncClient(timeout=120) as client:
            simulator = stack.url("bpjs-sim")
            await seed_bpjs(client, simulator, city, only_proposed=True)
            faults = {"latency_ms": latency_ms}
            (await client.post(f"{simulator}/_sim/faults", json=faults)).raise_for_status()
            for index, setting in enumerate(settings):
                if index:
                    await asyncio.to_thread(_restart_gateway, stack, setting)
                row = RowResult(setting, latency_ms / 1000)
                await _run_row(
                    stack, client, chunks[index], eligible[index], journey=journey, row=row
                )
                rows.append(row)
                _say(table([row])[2])
    finally:
        stack.stop()
        await delete_topics(BOOTSTRAP, prefix)
        await drop_database(database)
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m jkn_demo bench-latency")
    parser.add_argument("--residents", type=int, default=150, help="eligible residents per row")
    parser.add_argument("--latency-ms", type=int, default=250)
    parser.add_argument(
        "--setting",
        action="append",
        help="IN_FLIGHT or IN_FLIGHT:RATE, once per row (default: 2, 8, 8:10)",
    )
    parser.add_argument("--rate-per-s", type=float, default=1000.0, help="rate of a bare IN_FLIGHT")
    parser.add_argument("--port-offset", type=int, default=PORT_OFFSET)
    args = parser.parse_args(argv)
    settings = [Setting.parse(s, args.rate_per_s) for s in args.setting or ["2", "8", "8:10"]]
    _say(
        f"== BPJS at {args.latency_ms} ms: {args.residents} eligible residents per row, "
        f"rows {', '.join(f'{s.max_in_flight}:{s.rate_per_s:g}' for s in settings)} =="
    )
    _say("\n".join(table([])[:2]))
    rows = asyncio.run(
        latency_bench(
            settings,
            args.residents,
            STATE_DIR / "bench-latency",
            latency_ms=args.latency_ms,
            port_offset=args.port_offset,
        )
    )
    _say()
    _say("\n".join(table(rows)))
    broken = [r for r in rows if r.peak_in_flight > r.setting.max_in_flight]
    missing = [r for r in rows if r.activated < r.eligible or r.tambah_repeated]
    return 1 if broken or missing else 0
