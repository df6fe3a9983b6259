"""What every route of one simulator app shares."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fastapi import Request

from bpjs_sim.faults import FaultState
from bpjs_sim.settings import SimSettings
from bpjs_sim.store import SqliteStore

__all__ = ["SimContext", "get_context"]


@dataclass
class SimContext:
    """Settings, register, fault switches and call counts of one running simulator."""

    settings: SimSettings
    store: SqliteStore
    faults: FaultState = field(default_factory=FaultState)
    # calls to the BPJS routes by "METHOD /route/template" (`make profile` counts them)
    calls: Counter[str] = field(default_factory=Counter)


async def get_context(request: Request) -> SimContext:
    """FastAPI dependency: the context the app was built with (async: no thread hop)."""
    context: SimContext = request.app.state.sim
    return context
