"""The figures of `python -m jkn_demo bench-latency`: the rate is taken over the steady part
of a row, set against the ceiling its settings allow, and the note names what bound it
from the row's own figures."""

from __future__ import annotations

from jkn_demo.bench_latency_table import RowResult, Sample, Setting, steady_window

LATENCY_S = 0.25


def _samples(
    calls_per_s: float, open_on_average: float, cpu_busy: float, due: int = 0
) -> list[Sample]:
    """A row: 5 s of nothing (residents on their way to BPJS), 20 s at a steady rate."""
    samples = [Sample(t, 0, 0.0, 0, cpu_busy * 2 * t, 2.0 * t) for t in range(5)]
    for step in range(21):
        t = 5 + step
        samples.append(
            Sample(
                float(t),
                round(calls_per_s * step),
                open_on_average * step,
                round(open_on_average),
                cpu_busy * 2 * t,
                2.0 * t,
                due,
            )
        )
    return samples


def _row(
    setting: Setting, calls_per_s: float, open_on_average: float, cpu: float, due: int = 0
) -> RowResult:
    row = RowResult(setting, LATENCY_S)
    row.samples = _samples(calls_per_s, open_on_average, cpu, due)
    row.cores = {"bpjs-gateway": 0.2}
    return row


def test_the_ramp_before_the_first_calls_is_left_out_of_the_rate() -> None:
    row = _row(Setting(2, 1000.0), calls_per_s=8.0, open_on_average=2.0, cpu=0.3)

    low, _ = steady_window(row.samples)

    assert low.at >= 5.0
    assert row.calls_per_s == 8.0
    assert row.mean_call_s == LATENCY_S


def test_the_ceiling_is_the_slots_over_the_latency_or_the_rate_limit_if_lower() -> None:
    assert RowResult(Setting(2, 1000.0), LATENCY_S).ceiling == 8.0
    assert RowResult(Setting(8, 1000.0), LATENCY_S).ceiling == 32.0
    assert RowResult(Setting(8, 10.0), LATENCY_S).ceiling == 10.0


def test_the_upper_bound_allows_one_more_call_per_slot_at_the_windows_edge() -> None:
    row = _row(Setting(2, 1000.0), calls_per_s=8.0, open_on_average=2.0, cpu=0.3)

    assert row.upper_bound == 2 * (1 / LATENCY_S + 1 / row.window_s)


def test_a_row_at_its_ceiling_is_bound_by_the_setting_that_is_lower() -> None:
    slots = _row(Setting(2, 1000.0), calls_per_s=7.8, open_on_average=1.95, cpu=0.3)
    rate = _row(Setting(8, 10.0), calls_per_s=9.9, open_on_average=2.5, cpu=0.3)

    assert slots.note().startswith("bound by BPJS_MAX_IN_FLIGHT/latency")
    assert rate.note().startswith("bound by BPJS_RATE_PER_S")


def test_a_row_short_of_its_ceiling_says_whether_slots_idled_and_the_cpu_was_full() -> None:
    idle = _row(Setting(8, 1000.0), calls_per_s=12.0, open_on_average=3.0, cpu=0.97)
    quiet = _row(Setting(8, 1000.0), calls_per_s=12.0, open_on_average=3.0, cpu=0.2)

    assert "slots idle: 3.0 of 8" in idle.note()
    assert idle.note().endswith(": CPU-bound")
    assert quiet.note().endswith(": not CPU-bound")


def test_idle_slots_with_due_intents_waiting_are_the_gateways_own_cycle() -> None:
    starved = _row(Setting(8, 1000.0), calls_per_s=12.0, open_on_average=3.0, cpu=0.2)
    waited = _row(Setting(8, 1000.0), calls_per_s=12.0, open_on_average=3.0, cpu=0.2, due=5)

    assert "0.0 due intents waiting (the gateway starved" in starved.note()
    assert "5.0 due intents waiting (due intents waited" in waited.note()
