"""`make bench`'s steady-rate section: residents arriving one by one, as a Poisson process
at a share (``--steady-share``, 0.2) of the throughput the burst section just measured.

Issue 12 asks for p50 proposal -> activation <= 2 s and p99 <= 10 s at 20 % of the
measured throughput. A burst says how much the system can take; it does not say how long
one resident waits when the system is not saturated, which is what a resident at the
Dinsos desk sees. So, after the burst, on the SAME still-running stack (its services
warm, its database holding the burst's participants: reuse is possible because the
steady residents are other people), residents arrive with exponential inter-arrival
times (``random.Random(seed).expovariate``, reproducible with ``--seed``). Each arrival is
proposed the way a Dinsos officer proposes one walk-in resident: ``POST /proposals``
(strict NIK checks) with the officer's token (``siti.dinsos``, jkn_demo.callers). The
arrivals are open-loop: each is sent at its time whether or not the earlier ones have
been answered, or a slow system would slow its own offered load down.

The steady residents are eligible residents the city generator made for this purpose:
the city is generated with ``--eligible burst + steady`` and ``split_proposals`` takes the
last ``steady`` eligible rows out of the burst's file, so the two sets are disjoint.

They are followed on the topics by ``jkn_demo.journey_load.watch_journey`` from the
start of the topics; arrivals begin once it has read back the burst's final events, so
that reading the burst's history does not compete with the arrivals. Latency is the
registered event's time to the activated event's time, as the burst section computes
it; the HTTP side (the arrival, when the request is sent, to the registered event's time)
is reported apart. The figures are printed with their ratio to the targets; whether a
target holds is computed from them, never assumed.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from jkn_devstack.tokens import DevTokenAuth

from jkn_demo.callers import ROLES
from jkn_demo.journey_load import JourneyRun, watch_journey
from jkn_demo.scenario import CityFiles
from jkn_demo.stack import Stack

__all__ = [
    "TARGETS",
    "SteadyRun",
    "arrival_offsets",
    "percentiles",
    "report",
    "run_steady",
    "split_proposals",
    "steady_after_burst",
]

TARGETS = {"p50": 2.0, "p99": 10.0}
"""Issue 12's targets for proposal -> activation at the steady rate, in seconds."""

# one walk-in resident is proposed by a Dinsos officer, not by the welfare-data system
OFFICER = DevTokenAuth(ROLES["officer"])
# how long the watcher may take to read the burst's history back before arrivals begin
CATCH_UP_S = 300.0
CATCH_UP_POLL_S = 0.2
# how long after the last arrival the steady residents may take to reach a final event
DRAIN_S = 600.0


@dataclass
class SteadyRun:
    """What the steady section showed: the arrivals, their answers, and the topics."""

    offered_rate: float
    seed: int
    arrivals: int = 0
    span_s: float = 0.0  # from the section's start to the last arrival sent
    # "HTTP <status>" or a transport error's class name -> arrivals not proposed
    refused: Counter[str] = field(default_factory=Counter)
    sent_at: dict[str, datetime] = field(default_factory=dict)  # participant -> arrival
    answer_s: list[float] = field(default_factory=list)  # POST round trips of the 201s
    journey: JourneyRun = field(default_factory=JourneyRun)

    @property
    def achieved_rate(self) -> float:
        """Arrivals per second as sent (the Poisson estimate: count over the span)."""
        return self.arrivals / self.span_s if self.span_s > 0 else 0.0

    @property
    def accepted(self) -> int:
        return len(self.sent_at)

    @property
    def final(self) -> int:
        return sum(1 for pid in self.sent_at if pid in self.journey.final)

    @property
    def activated(self) -> int:
        return sum(1 for pid in self.sent_at if pid in self.journey.activated)

    def latencies(self) -> list[float]:
        """Registered event time to activated event time, per activated steady resident."""
        reg, act = self.journey.registered, self.journey.activated
        return [(act[p] - reg[p]).total_seconds() for p in self.sent_at if p in act and p in reg]

    def http_side(self) -> list[float]:
        """Arrival (request sent) to the registered event's time, per steady resident."""
        reg = self.journey.registered
        return [(reg[p] - at).total_seconds() for p, at in self.sent_at.items() if p in reg]


def arrival_offsets(count: int, rate: float, seed: int) -> list[float]:
    """Seconds from the start of each of ``count`` arrivals of a Poisson process at
    ``rate`` per second: cumulative sums of exponential inter-arrival times."""
    rng = random.Random(seed)  # noqa: S311 - a load schedule, not security
    offsets, at = [], 0.0
    for _ in range(count):
        at += rng.expovariate(rate)
        offsets.append(at)
    return offsets


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p90, p99 and max of ``values`` (inclusive quantiles: within the data's range)."""
    if not values:
        return {}
    if len(values) == 1:
        return dict.fromkeys(("p50", "p90", "p99", "max"), values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p90": cuts[89], "p99": cuts[98], "max": max(values)}


def split_proposals(city: CityFiles, steady: int) -> tuple[bytes, list[dict[str, str]]]:
    """The city's proposals file without its last ``steady`` eligible rows (the burst's
    file), and those rows as forms for ``POST /proposals`` (the steady residents)."""
    lines = list(csv.reader(io.StringIO(city.proposals.decode())))
    header, body = lines[0], lines[1:]
    eligible = [r["row"] for r in city.manifest["rows"] if r["category"] == "eligible"]
    if steady > len(eligible):
        raise ValueError("the city has too few eligible residents for the steady section")
    taken = set(eligible[len(eligible) - steady :])  # "row": the data line, from 1
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *(row for n, row in enumerate(body, 1) if n not in taken)])
    forms = [dict(zip(header, row, strict=True)) for n, row in enumerate(body, 1) if n in taken]
    return out.getvalue().encode(), forms


async def _propose(
    client: httpx.AsyncClient, enrollment: str, form: dict[str, str], run: SteadyRun
) -> None:
    sent = datetime.now(UTC)
    started = time.monotonic()
    try:
        answer = await client.post(
            f"{enrollment}/proposals", json={**form, "proposed_by": "bench-steady"}, auth=OFFICER
        )
    except httpx.TransportError as exc:  # a lost arrival is a figure, not the bench's end
        run.refused[type(exc).__name__] += 1
        return
    if answer.status_code != 201:  # counted by status only: the body may name the proposal
        run.refused[f"HTTP {answer.status_code}"] += 1
        return
    run.answer_s.append(time.monotonic() - started)
    run.sent_at[answer.json()["participant_id"]] = sent


async def run_steady(
    stack: Stack,
    client: httpx.AsyncClient,
    forms: list[dict[str, str]],
    *,
    rate: float,
    seed: int,
    earlier_final: int = 0,
) -> SteadyRun:
    """Propose ``forms`` one by one at Poisson arrivals of ``rate`` per second into the
    running ``stack`` and follow them until each is final. ``earlier_final``: how many
    residents already reached a final event on its topics (the burst's)."""
    run = SteadyRun(offered_rate=rate, seed=seed)
    offsets = arrival_offsets(len(forms), rate, seed)
    expected: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    watcher = asyncio.create_task(
        watch_journey(
            stack.env["JKN_TOPIC_PREFIX"],
            expected,
            time.monotonic() + CATCH_UP_S + (offsets[-1] if offsets else 0.0) + DRAIN_S,
            run.journey,
        )
    )
    try:
        for _ in range(int(CATCH_UP_S / CATCH_UP_POLL_S)):  # the burst's history read back
            if len(run.journey.final) >= earlier_final:
                break
            await asyncio.sleep(CATCH_UP_POLL_S)
        enrollment = stack.url("enrollment")
        started = time.monotonic()
        posts = []
        for form, offset in zip(forms, offsets, strict=True):
            await asyncio.sleep(max(0.0, started + offset - time.monotonic()))
            run.span_s = time.monotonic() - started
            posts.append(asyncio.create_task(_propose(client, enrollment, form, run)))
        run.arrivals = len(posts)
        await asyncio.gather(*posts)
        expected.set_result(len(run.journey.final.keys() - run.sent_at.keys()) + run.accepted)
        await watcher
    finally:
        watcher.cancel()
    return run


async def steady_after_burst(
    stack: Stack,
    client: httpx.AsyncClient,
    burst: JourneyRun,
    forms: list[dict[str, str]],
    *,
    share: float,
    seed: int,
) -> SteadyRun | None:
    """The steady section at ``share`` of the burst's throughput (final residents per
    second), on the burst's stack; None when there is nothing to measure."""
    rate = share * len(burst.final) / burst.seconds if burst.seconds > 0 else 0.0
    if not forms or rate <= 0:
        return None
    return await run_steady(
        stack, client, forms, rate=rate, seed=seed, earlier_final=len(burst.final)
    )


def _figures(name: str, values: list[float]) -> str:
    cut = percentiles(values)
    if not cut:
        return f"{name:<35}no figures"
    return f"{name:<35}" + "   ".join(f"{k} {v:6.2f} s" for k, v in cut.items())


def report(run: SteadyRun, share: float) -> list[str]:
    """The section's lines: rates, counts, latencies, and each target's ratio."""
    lines = [
        f"-- steady rate: {run.arrivals} residents arriving one by one (Poisson, seed "
        f"{run.seed}) at {share:.0%} of the burst's throughput --",
        f"offered arrival rate:              {run.offered_rate:.2f} residents/s",
        f"achieved arrival rate:             {run.achieved_rate:.2f} residents/s "
        f"({run.arrivals} in {run.span_s:.1f} s)",
        f"proposed (201):                    {run.accepted}"
        + "".join(f"   {why}: {n}" for why, n in sorted(run.refused.items())),
        f"residents final:                   {run.final}   activated: {run.activated}",
        _figures("proposal → activation:", run.latencies()),
        _figures("  arrival → registered (HTTP):", run.http_side()),
        _figures("  POST /proposals round trip:", run.answer_s),
    ]
    cut = percentiles(run.latencies())
    for key, target in TARGETS.items():
        if key in cut:
            ratio = cut[key] / target
            holds = "holds" if ratio <= 1 else "missed"
            label = f"target {key} ≤ {target:g} s:"
            lines.append(f"{label:<35}{cut[key]:6.2f} s = {ratio:.2f} of the target ({holds})")
    return lines
