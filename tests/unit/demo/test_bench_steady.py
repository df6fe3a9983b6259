"""`make bench`'s steady-rate section: the arrivals are a reproducible Poisson process at
the rate asked for, the steady residents are taken out of the burst's file, and the
figures and the targets' ratios are computed from what the topics showed."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jkn_demo.bench_steady import (
    SteadyRun,
    arrival_offsets,
    percentiles,
    report,
    split_proposals,
)
from jkn_demo.scenario import CityFiles

RATE = 4.0
SAMPLE = 20_000  # the mean of 20,000 exponential gaps is within 1 % of 1/rate (4 sigma)
SEED = 12
T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_the_same_seed_gives_the_same_arrivals_and_another_seed_others() -> None:
    assert arrival_offsets(500, RATE, SEED) == arrival_offsets(500, RATE, SEED)
    assert arrival_offsets(500, RATE, SEED) != arrival_offsets(500, RATE, SEED + 1)


def test_arrivals_come_in_order_with_exponential_gaps_of_mean_one_over_the_rate() -> None:
    offsets = arrival_offsets(SAMPLE, RATE, SEED)
    gaps = [b - a for a, b in zip([0.0, *offsets], offsets, strict=False)]

    assert len(offsets) == SAMPLE
    assert all(gap > 0 for gap in gaps)
    assert statistics.fmean(gaps) == pytest.approx(1 / RATE, rel=0.04)
    # exponential, not evenly spaced: the gaps' spread equals their mean (a burst-free
    # fixed schedule would have none)
    assert statistics.stdev(gaps) / statistics.fmean(gaps) == pytest.approx(1.0, abs=0.05)
    # Poisson counts: arrivals per second have a variance equal to their mean
    per_second = [0] * int(offsets[-1])
    for at in offsets:
        if int(at) < len(per_second):
            per_second[int(at)] += 1
    assert statistics.fmean(per_second) == pytest.approx(RATE, rel=0.04)
    assert statistics.variance(per_second) == pytest.approx(RATE, rel=0.1)


def test_percentiles_of_known_data() -> None:
    values = [float(v) for v in range(101, 0, -1)]  # 1 .. 101, unsorted

    assert percentiles(values) == {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 101.0}
    assert percentiles([3.5]) == {"p50": 3.5, "p90": 3.5, "p99": 3.5, "max": 3.5}
    assert percentiles([]) == {}


def _city(tmp_path: Path) -> CityFiles:
    categories = ["eligible", "dead", "eligible", "bad_nik", "eligible", "eligible"]
    (tmp_path / "proposals_demo.csv").write_text(
        "nik,name,address\n"
        + "".join(f'{1000 + n},Warga {n},"Jl. {n}, RT 01"\n' for n in range(1, 7))
    )
    rows = [
        {"row": n, "participant_id": f"P{n}", "category": c}
        for n, c in enumerate(categories, start=1)
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"rows": rows}))
    return CityFiles(tmp_path)


def test_the_steady_residents_are_the_last_eligible_rows_and_leave_the_burst_file(
    tmp_path: Path,
) -> None:
    burst, forms = split_proposals(_city(tmp_path), 2)

    assert [f["nik"] for f in forms] == ["1005", "1006"]
    assert forms[0] == {"nik": "1005", "name": "Warga 5", "address": "Jl. 5, RT 01"}
    assert burst.decode().splitlines() == [
        "nik,name,address",
        '1001,Warga 1,"Jl. 1, RT 01"',
        '1002,Warga 2,"Jl. 2, RT 01"',
        '1003,Warga 3,"Jl. 3, RT 01"',
        '1004,Warga 4,"Jl. 4, RT 01"',
    ]
    whole, none = split_proposals(_city(tmp_path), 0)
    assert none == []
    assert whole == (tmp_path / "proposals_demo.csv").read_bytes()
    with pytest.raises(ValueError, match="too few eligible"):
        split_proposals(_city(tmp_path), 5)


def _run(latencies: list[float]) -> SteadyRun:
    """A steady run whose residents were sent a second apart, registered 0.1 s after,
    activated ``latencies`` later; one more resident registered but never final."""
    run = SteadyRun(offered_rate=2.0, seed=SEED, arrivals=len(latencies) + 1, span_s=5.0)
    for n, latency in enumerate([*latencies, None]):
        pid = f"P{n}"
        sent = T0 + timedelta(seconds=n)
        run.sent_at[pid] = sent
        run.journey.registered[pid] = sent + timedelta(seconds=0.1)
        if latency is not None:
            run.journey.activated[pid] = sent + timedelta(seconds=0.1 + latency)
            run.journey.final[pid] = "ParticipantActivated"
    run.journey.final["BURST"] = "ParticipantActivated"  # the burst's, not counted here
    return run


def test_the_figures_are_the_steady_residents_own_and_each_target_gets_its_ratio() -> None:
    run = _run([1.0, 1.0, 1.0, 1.0, 1.0])

    assert run.achieved_rate == pytest.approx(6 / 5.0)
    assert (run.accepted, run.final, run.activated) == (6, 5, 5)
    assert run.latencies() == pytest.approx([1.0] * 5)
    assert run.http_side() == pytest.approx([0.1] * 6)
    lines = report(run, 0.2)
    assert any(
        line.startswith("target p50 ≤ 2 s:") and "0.50 of the target" in line for line in lines
    )
    assert any(
        line.startswith("target p99 ≤ 10 s:") and "0.10 of the target" in line for line in lines
    )
    assert "residents final:                   5   activated: 5" in lines


def test_a_slow_tail_misses_the_p99_target_and_says_so_by_its_ratio() -> None:
    lines = report(_run([1.0] * 9 + [30.0]), 0.2)

    p99 = next(line for line in lines if line.startswith("target p99"))
    p50 = next(line for line in lines if line.startswith("target p50"))
    # inclusive p99 of nine 1 s and one 30 s: 1 + 0.91 * 29 = 27.39 s
    assert "27.39 s = 2.74 of the target (missed)" in p99
    assert "1.00 s = 0.50 of the target (holds)" in p50
