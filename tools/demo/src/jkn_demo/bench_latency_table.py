"""The figures of `python -m jkn_demo bench-latency` (jkn_demo.bench_latency): what one row
measured at the BPJS simulator, the ceiling the gateway's settings allow, and a note on
what bound the row, composed from the row's own figures.

The ceiling is ``min(BPJS_MAX_IN_FLIGHT / latency, BPJS_RATE_PER_S)`` calls/s: at most that
many calls are open at once (``app/worker.py``) and each is held for at least the
simulator's latency; the rate limiter (``app/resilience.py``) caps the rest. By Little's
law the measured rate is the mean number of calls open divided by the mean time each was
held, so the note says which of the two fell short: slots left idle (the gateway's own
work between two calls, or too few intents due), or calls held longer than the latency
(the simulator's or the machine's CPU).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

__all__ = ["RowResult", "Sample", "Setting", "steady_window", "table"]

# a row at or above this share of its ceiling is bound by the gateway's settings
BOUND_SHARE = 0.85
# a machine this busy (all cores, all processes) over the window: the CPU is the bottleneck
CPU_BOUND_SHARE = 0.85


@dataclass(frozen=True)
class Setting:
    """The gateway's BPJS settings of one row."""

    max_in_flight: int
    rate_per_s: float

    @classmethod
    def parse(cls, text: str, default_rate: float) -> Setting:
        """``IN_FLIGHT`` or ``IN_FLIGHT:RATE`` (calls/s)."""
        in_flight, _, rate = text.partition(":")
        return cls(int(in_flight), float(rate) if rate else default_rate)


@dataclass(frozen=True)
class Sample:
    """The simulator's counters and the machine's CPU times at one moment."""

    at: float  # monotonic seconds
    calls: int  # BPJS calls answered since the simulator started
    busy_seconds: float  # seconds spent answering them
    in_flight: int
    cpu_busy: float  # the machine's non-idle CPU seconds, all cores
    cpu_total: float
    due_waiting: int = 0  # intents the gateway's worker could have claimed at that moment


def steady_window(samples: list[Sample]) -> tuple[Sample, Sample]:
    """The samples between which the row's calls went from 10 % to 90 % of their number:
    the ramp-up (the first residents still on their way to BPJS) and the tail (the last
    few) are left out. The whole row when it is too short to cut."""
    first, last = samples[0], samples[-1]
    made = last.calls - first.calls
    low = next(s for s in samples if s.calls - first.calls >= 0.1 * made)
    high = next(s for s in samples if s.calls - first.calls >= 0.9 * made)
    if high.at - low.at < 1.0:
        return first, last
    return low, high


@dataclass
class RowResult:
    """One row: settings, what the journey did, and the simulator's figures."""

    setting: Setting
    latency_s: float
    proposed: int = 0
    eligible: int = 0
    final: int = 0
    activated: int = 0  # eligible residents of this row with a ParticipantActivated
    tambah_applied: int = 0
    tambah_repeated: int = 0
    cards_over_one_tambah: int = 0  # cards of this row BPJS applied a tambah to twice
    seconds: float = 0.0
    calls: int = 0
    peak_in_flight: int = 0
    samples: list[Sample] = field(default_factory=list)
    # CPU seconds per second of the row, by component (1.0: one core all the time)
    cores: dict[str, float] = field(default_factory=dict)

    @property
    def ceiling(self) -> float:
        """Calls/s the settings allow at this latency."""
        return min(self.setting.max_in_flight / self.latency_s, self.setting.rate_per_s)

    @property
    def rate_binds(self) -> bool:
        return self.setting.rate_per_s < self.setting.max_in_flight / self.latency_s

    def _window(self) -> tuple[Sample, Sample]:
        return steady_window(self.samples)

    @property
    def calls_per_s(self) -> float:
        low, high = self._window()
        return (high.calls - low.calls) / max(high.at - low.at, 1e-9)

    @property
    def window_s(self) -> float:
        low, high = self._window()
        return high.at - low.at

    @property
    def upper_bound(self) -> float:
        """The most calls/s the settings let through over a window this long: each slot
        ends at most one call per latency and one more at the window's edge; the rate
        limiter's bucket holds one call."""
        window = max(self.window_s, 1e-9)
        by_slots = self.setting.max_in_flight * (1 / self.latency_s + 1 / window)
        return min(by_slots, self.setting.rate_per_s + 1 / window)

    @property
    def mean_in_flight(self) -> float:
        """Calls open on average over the window (busy seconds per second)."""
        low, high = self._window()
        return (high.busy_seconds - low.busy_seconds) / max(high.at - low.at, 1e-9)

    @property
    def mean_call_s(self) -> float:
        """Seconds the simulator held each call of the window, on average."""
        low, high = self._window()
        return (high.busy_seconds - low.busy_seconds) / max(high.calls - low.calls, 1)

    @property
    def machine_cpu(self) -> float:
        """Share of the machine's CPU (all cores, every process) busy over the window."""
        low, high = self._window()
        return (high.cpu_busy - low.cpu_busy) / max(high.cpu_total - low.cpu_total, 1e-9)

    @property
    def mean_due_waiting(self) -> float:
        """Claimable intents waiting, on average over the window's samples."""
        low, high = self._window()
        inside = [s.due_waiting for s in self.samples if low.at <= s.at <= high.at]
        return sum(inside) / max(len(inside), 1)

    @property
    def residents_per_s(self) -> float:
        return self.final / max(self.seconds, 1e-9)

    def note(self) -> str:
        """What bound this row, from its own figures."""
        ratio = self.calls_per_s / self.ceiling
        cpu = (
            f"machine CPU {self.machine_cpu:.0%} busy, this stack "
            f"{sum(self.cores.values()):.2f} of {os.cpu_count()} cores"
        )
        if ratio >= BOUND_SHARE:
            bound = "BPJS_RATE_PER_S" if self.rate_binds else "BPJS_MAX_IN_FLIGHT/latency"
            return f"bound by {bound} ({ratio:.0%} of the ceiling; {cpu})"
        reasons = []
        if not self.rate_binds and self.mean_in_flight < BOUND_SHARE * self.setting.max_in_flight:
            waiting = self.mean_due_waiting
            why = (
                "the gateway starved: intents came slower than the slots take them"
                if waiting < 1.0
                else "due intents waited: the gateway's own cycle between two calls"
            )
            reasons.append(
                f"slots idle: {self.mean_in_flight:.1f} of {self.setting.max_in_flight} "
                f"calls open on average, {waiting:.1f} due intents waiting ({why})"
            )
        if self.mean_call_s > self.latency_s / BOUND_SHARE:
            reasons.append(
                f"calls held {self.mean_call_s * 1000:.0f} ms at the simulator, "
                f"not {self.latency_s * 1000:.0f}"
            )
        busy = [
            f"{name} {share:.0%} of a core"
            for name, share in sorted(self.cores.items())
            if share >= CPU_BOUND_SHARE
        ]
        if busy:
            reasons.append("one process saturated: " + ", ".join(busy))
        saturated = self.machine_cpu >= CPU_BOUND_SHARE or busy
        verdict = "CPU-bound" if saturated else "not CPU-bound"
        why = "; ".join(reasons) or "no single cause"
        return f"{ratio:.0%} of the ceiling: {why}; {cpu}: {verdict}"


HEADER = (
    "max_in_flight",
    "rate/s",
    "latency",
    "ceiling calls/s",
    "measured calls/s",
    "measured/ceiling",
    "peak in flight",
    "mean in flight",
    "mean call",
    "residents/s",
)


def table(rows: list[RowResult]) -> list[str]:
    """The rows as a Markdown table (the README shows it as printed), then one note each."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        cells = (
            str(row.setting.max_in_flight),
            f"{row.setting.rate_per_s:g}",
            f"{row.latency_s * 1000:.0f} ms",
            f"{row.ceiling:.1f}",
            f"{row.calls_per_s:.1f}",
            f"{row.calls_per_s / row.ceiling:.2f}",
            str(row.peak_in_flight),
            f"{row.mean_in_flight:.2f}",
            f"{row.mean_call_s * 1000:.0f} ms",
            f"{row.residents_per_s:.2f}",
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for row in rows:
        lines.append(
            f"- max_in_flight {row.setting.max_in_flight}, rate {row.setting.rate_per_s:g}/s: "
            f"{row.note()}; {row.calls} BPJS calls, {row.final} of {row.proposed} residents "
            f"final in {row.seconds:.1f} s, {row.activated} of {row.eligible} eligible "
            f"activated, tambah applied {row.tambah_applied} / repeated {row.tambah_repeated}; "
            f"CPU {_cores(row.cores)}"
        )
    return lines


def _cores(cores: dict[str, float]) -> str:
    return ", ".join(f"{name} {share:.2f}" for name, share in sorted(cores.items()))
