"""`python -m jkn_demo bench-latency` on a small population: with BPJS answering in 250 ms,
the gateway never has more calls open than ``BPJS_MAX_IN_FLIGHT`` (the simulator's own
count), never calls faster than its settings allow, and still activates each eligible
resident of each row exactly once at BPJS. Nothing here asserts how fast it went: the
machine is shared, only the bounds are facts."""

from __future__ import annotations

from pathlib import Path

import pytest
from jkn_demo.bench_latency import latency_bench
from jkn_demo.bench_latency_table import Setting

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PORT_OFFSET = 18000  # ports below 32768, Linux's ephemeral range
RESIDENTS = 30  # eligible residents per row (and the city's few of the other kinds)
LATENCY_MS = 250
# the rate limit binds in the second row: 3 calls/s under a ceiling of 16 by the slots
SETTINGS = [Setting(2, 1000.0), Setting(4, 3.0)]
TOLERANCE = 1.10  # the counters are read over HTTP, a moment after each sample's time


async def test_calls_stay_within_the_gateways_bounds_and_each_resident_is_activated_once(
    tmp_path: Path,
) -> None:
    rows = await latency_bench(
        SETTINGS, RESIDENTS, tmp_path, latency_ms=LATENCY_MS, port_offset=PORT_OFFSET
    )

    assert [r.setting for r in rows] == SETTINGS
    for row in rows:
        figures = {
            "setting": row.setting,
            "peak": row.peak_in_flight,
            "calls": row.calls,
            "calls_per_s": row.calls_per_s,
            "bound": row.upper_bound,
            "window_s": row.window_s,
        }
        assert row.eligible > 0, figures
        assert 0 < row.peak_in_flight <= row.setting.max_in_flight, figures
        # each eligible resident: a look-up, a tambah and its confirming look-up at least
        assert row.calls >= 3 * row.eligible, figures
        assert row.calls_per_s <= row.upper_bound * TOLERANCE, figures
        assert row.calls / row.seconds <= row.upper_bound * TOLERANCE, figures
        assert row.activated == row.eligible, figures
        assert row.final == row.proposed, figures
        assert row.tambah_applied == row.eligible, figures
        assert row.tambah_repeated == 0, figures
        assert row.cards_over_one_tambah == 0, figures
