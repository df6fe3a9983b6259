"""What every route of one simulator app shares."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from fastapi import Request

from bpjs_sim.faults import FaultState
from bpjs_sim.settings import SimSettings
from bpjs_sim.store import SqliteStore

__all__ = ["Concurrency", "SimContext", "get_context"]


@dataclass
class Concurrency:
    """BPJS calls being answered at once, their peak, and the seconds spent answering them.

    `python -m jkn_demo bench-latency` reads it to show that the gateway never has more
    than ``BPJS_MAX_IN_FLIGHT`` calls open (the peak) and how busy it kept its slots
    (``busy_seconds`` over a window is the mean number in flight, Little's law).
    """

    in_flight: int = 0
    peak: int = 0
    busy_seconds: float = 0.0

    def enter(self) -> float:
        """One call began; returns its start time for :meth:`leave`."""
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return time.monotonic()

    def leave(self, started: float) -> None:
        """The call begun at ``started`` was answered (or failed)."""
        self.in_flight -= 1
        self.busy_seconds += time.monotonic() - started

    def reset_peak(self) -> None:
        """The peak from now on (between two runs on one simulator)."""
        self.peak = self.in_flight


@dataclass
class SimContext:
    """Settings, register, fault switches and call counts of one running simulator."""

    settings: SimSettings
    store: SqliteStore
    faults: FaultState = field(default_factory=FaultState)
    # calls to the BPJS routes by "METHOD /route/template" (`make profile` counts them)
    calls: Counter[str] = field(default_factory=Counter)
    concurrency: Concurrency = field(default_factory=Concurrency)


async def get_context(request: Request) -> SimContext:
    """FastAPI dependency: the context the app was built with (async: no thread hop)."""
    context: SimContext = request.app.state.sim
    return context
