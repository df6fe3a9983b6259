"""`make bench`: N residents proposed by file import until every one is activated or
rejected, against the raw aiokafka produce+consume rate for N messages in the same run.

Figures printed: residents/s, p50/p99 proposal→activation (from the events' own
occurred_at), each component's peak RSS, the raw Kafka rate and the ratio of the two; and
what authentication costs per request (a Keycloak token checked by the guard vs the same
route open, and ``TokenVerifier.verify`` alone: jkn_demo.auth_bench); and what field
encryption of personal data costs per resident in CPU, against the same fields in clear
(jkn_demo.crypto_bench). After the burst, on the same stack, residents arrive one by one as a
Poisson process at a share of the burst's throughput, each proposed by a Dinsos officer, for
issue 12's p50/p99 targets at a steady rate (jkn_demo.bench_steady).

The import is made as Dinsos's welfare-data system (``dinsos-siks``, a token of the local
Keycloak), as every call to a service must carry a token of a role allowed on it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import datetime

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from jkn_devstack import ensure_topics
from jkn_devstack.credentials import admin_kafka_kwargs

from jkn_demo.auth_bench import SCRAPER, auth_cost
from jkn_demo.bench_steady import report, split_proposals, steady_after_burst
from jkn_demo.crypto_bench import field_encryption_cost
from jkn_demo.journey_load import run_journey
from jkn_demo.relay_bench import relay_throughput
from jkn_demo.scenario import generate_city, seed_bpjs
from jkn_demo.snapshot_bench import snapshot_bench
from jkn_demo.stack import Stack
from jkn_demo.stackenv import (
    BOOTSTRAP,
    PSEUDONYM_KEY,
    STATE_DIR,
    bpjs_limits_for_bench,
    fresh_stack_env,
)

__all__ = ["main"]


def _say(text: str = "") -> None:
    print(text, flush=True)


STAGES = (
    ("ParticipantRegistered", "CoverageCheckRequested", "Dinkes local checks"),
    ("CoverageCheckRequested", "CoverageReported", "gateway BPJS peserta look-up"),
    ("CoverageReported", "ParticipantVerified", "Dinkes coverage + quota"),
    ("ParticipantVerified", "ParticipantActivated", "gateway BPJS tambah"),
)


def _stage_report(seen: dict[str, dict[str, datetime]]) -> None:
    for start, end, label in STAGES:
        spans = sorted(
            (e[end] - e[start]).total_seconds() for e in seen.values() if start in e and end in e
        )
        if spans:
            p99 = spans[int(len(spans) * 0.99) - 1]
            _say(f"  {label:<32} p50 {statistics.median(spans):6.2f} s   p99 {p99:6.2f} s")


async def _raw_kafka_rate(n: int, value_size: int) -> float:
    """Messages/s for producing n messages (idempotent, acks=all) and consuming them back."""
    topic_prefix = f"rawbench{uuid.uuid4().hex[:6]}."
    await ensure_topics(BOOTSTRAP, topic_prefix)
    topic = f"{topic_prefix}jkn.dinsos.participants"
    payload = b"x" * value_size
    # raw aiokafka over the same SASL listener, as the admin (no ACL lookups on the path)
    producer = AIOKafkaProducer(
        bootstrap_servers=BOOTSTRAP,
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
        **admin_kafka_kwargs(),
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id="rawbench",
        auto_offset_reset="earliest",
        **admin_kafka_kwargs(),
    )
    await producer.start()
    await consumer.start()
    started = time.perf_counter()
    futures = [await producer.send(topic, payload, key=f"P{i:024x}".encode()) for i in range(n)]
    await asyncio.gather(*futures)
    seen = 0
    while seen < n:
        batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
        seen += sum(len(r) for r in batch.values())
    elapsed = time.perf_counter() - started
    await producer.stop()
    await consumer.stop()
    return n / elapsed


async def run(
    residents: int,
    relay_events: int,
    snapshot_rows: int,
    auth_requests: int,
    *,
    steady_residents: int = 0,
    steady_share: float = 0.2,
    seed: int = 12,
) -> int:
    run_dir = STATE_DIR / "bench"
    _say("== jkn-daerah bench ==")
    bpjs_limits = bpjs_limits_for_bench()
    _say(f"gateway: {' '.join(f'{k}={v}' for k, v in bpjs_limits.items())}")
    await _in_process_reports(relay_events, auth_requests)
    _say(f"-- journey: {residents} residents proposed by one CSV import --")
    city = generate_city(
        run_dir / "city",
        seed=7,
        size=max(3000, (residents + steady_residents) * 12),
        pseudonym_key=PSEUDONYM_KEY,
        extra=["--eligible", str(residents + steady_residents), "--quota", "100000000"],
    )
    burst_file, steady_forms = split_proposals(city, steady_residents)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    env = await fresh_stack_env(
        database="jkn_bench",
        topic_prefix=prefix,
        run_dir=run_dir,
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL="100000000",
        **bpjs_limits,
    )
    stack = Stack(run_dir, env, port_offset=20000)
    stack.start()
    try:
        stack.wait_healthy(timeout=180)
        async with httpx.AsyncClient(timeout=120) as client:
            await seed_bpjs(client, stack.url("bpjs-sim"), city, only_proposed=True)
            run = await run_journey(stack, client, burst_file, prefix, "bench")
            steady = await steady_after_burst(
                stack, client, run, steady_forms, share=steady_share, seed=seed
            )
    finally:
        stack.stop()

    registered, activated, final, elapsed = run.registered, run.activated, run.final, run.seconds
    latencies = sorted(
        (activated[p] - registered[p]).total_seconds() for p in activated if p in registered
    )
    rate = len(final) / elapsed
    _say(f"residents proposed (registered):   {len(registered)}")
    _say(
        f"residents final (activated/rejected/refused/waitlisted): {len(final)} in {elapsed:.1f} s"
    )
    _say(f"  activated: {sum(1 for v in final.values() if v == 'ParticipantActivated')}")
    _say(f"throughput:                        {rate:.1f} residents/s")
    intake = run.intake_rows / run.intake_s if run.intake_s else 0.0
    _say(
        f"bulk intake: {run.intake_rows} CSV lines, upload to all stored {run.intake_s:.1f} s: "
        f"{intake:,.0f} rows/s ({intake / 5000:.2f} of the 5,000 target)"
    )
    if latencies:
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        _say(f"proposal → activation:             p50 {p50:.2f} s   p99 {p99:.2f} s")
        _say("  by stage (event to event):")
        _stage_report(run.seen)
    for line in report(steady, steady_share) if steady else []:
        _say(line)
    _resource_report(run.peak_rss, run.cpu_seconds, elapsed, len(final))
    for name, cpu in sorted(run.server_cpu_seconds.items()):  # shared: run nothing beside
        _say(
            f"{name + ' (server)':<14} CPU {cpu:6.1f} s ({cpu / elapsed:4.0%} of one core, "
            f"{cpu * 1000 / max(len(final), 1):5.1f} ms/resident)"
        )
    await _raw_kafka_comparison(len(final) or residents, rate)
    await _reconciliation_report(snapshot_rows)
    steady_done = steady is None or steady.final >= steady.accepted
    return 0 if len(final) >= len(registered) and steady_done else 1


async def _in_process_reports(relay_events: int, auth_requests: int) -> None:
    await _relay_report(relay_events)
    await _auth_report(auth_requests)
    await _crypto_report()


async def _relay_report(events: int) -> None:
    rate = await relay_throughput(events)
    _say(f"outbox relay: {events} committed events published and confirmed at {rate:.0f} events/s")


async def _auth_report(requests: int) -> None:
    _say(f"-- authentication: GET /metrics in process, {requests} requests each way --")
    cost = await auth_cost(requests, requests)
    _say(f"open route (no token):             {cost['open_us']:7.1f} µs/request")
    _say(
        f"with a Keycloak token ({SCRAPER}):  {cost['token_us']:7.1f} µs/request   "
        f"ratio {cost['ratio']:.2f} (+{cost['extra_us']:.1f} µs)"
    )
    _say(
        f"TokenVerifier.verify, token seen:  {cost['verify_us']:7.1f} µs/token "
        f"(verified claims cached until expiry)"
    )
    _say(
        f"TokenVerifier.verify, full check:  {cost['verify_full_us']:7.1f} µs/token "
        f"({cost['algorithm']}, JWKS cached; the first token, with discovery and JWKS "
        f"fetch: {cost['first_verify_ms']:.1f} ms)"
    )


async def _crypto_report() -> None:
    cost = await field_encryption_cost()
    _say(
        f"-- field encryption: one resident's seals and opens in process, "
        f"{cost['residents']} residents --"
    )
    _say(
        f"with encryption:                   {cost['encrypted_us']:7.1f} µs CPU/resident   "
        f"({cost['event_seals']} events sealed, {cost['event_opens']} opened, "
        f"{cost['columns_at_rest']} columns at rest)"
    )
    _say(
        f"clear (baseline, same fields):     {cost['clear_us']:7.1f} µs CPU/resident   "
        f"ratio {cost['ratio']:.1f} (+{cost['extra_us']:.0f} µs per resident)"
    )


def _resource_report(
    peaks: dict[str, int], cpu_seconds: dict[str, float], elapsed: float, residents: int
) -> None:
    # per resident as `make profile` prints it (jkn_demo.profile; there, with flame graphs)
    for name in sorted(peaks):
        cpu = cpu_seconds.get(name, 0.0)
        _say(
            f"{name:<14} peak RSS {peaks[name] / 2**20:5.0f} MiB   "
            f"CPU {cpu:6.1f} s ({cpu / elapsed:4.0%} of one core, "
            f"{cpu * 1000 / max(residents, 1):5.1f} ms/resident)"
        )


async def _raw_kafka_comparison(messages: int, rate: float) -> None:
    raw = await _raw_kafka_rate(messages, value_size=1024)
    _say(f"raw aiokafka produce+consume:      {raw:.0f} messages/s ({messages} messages, 1 KiB)")
    _say(
        f"ratio journey/raw:                 {rate / raw:.4f}  "
        "(one resident = ~7 events, 4 services, BPJS calls)"
    )


async def _reconciliation_report(snapshot_rows: int) -> None:
    _say(
        f"-- reconciliation: a {snapshot_rows:,}-row DTKS/DTSEN snapshot "
        "diffed against participants --"
    )
    snap = await snapshot_bench(snapshot_rows)
    _say(
        f"snapshot: {snap['rows']:,} rows ({snap['file_mb']} MB) reconciled in {snap['seconds']} s "
        f"({snap['rows_per_s']:,} rows/s; the preview {snap['preview_seconds']} s, the approval"
        f" {snap['approve_seconds']} s), peak RSS {snap['peak_rss_mb']} MiB "
        f"(before: {snap['rss_before_mb']} MiB; its parse workers together:"
        f" {snap['workers_peak_rss_mb']} MiB)"
    )
    _say(
        f"  against {snap['participants']:,} participants: "
        f"{snap['requests_emitted']:,} deactivation requests, "
        f"{snap['candidates']:,} candidates, {snap['rows_invalid']} invalid rows"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--residents", type=int, default=10_000)
    parser.add_argument("--relay-events", type=int, default=20_000)
    parser.add_argument("--snapshot-rows", type=int, default=1_000_000)
    parser.add_argument("--auth-requests", type=int, default=5_000)
    parser.add_argument("--steady-residents", type=int, default=300, help="0: no steady section")
    parser.add_argument("--steady-share", type=float, default=0.2, help="of the burst's rate")
    parser.add_argument("--seed", type=int, default=12, help="of the steady arrivals")
    args = parser.parse_args(argv)
    return asyncio.run(
        run(
            args.residents,
            args.relay_events,
            args.snapshot_rows,
            args.auth_requests,
            steady_residents=args.steady_residents,
            steady_share=args.steady_share,
            seed=args.seed,
        )
    )
