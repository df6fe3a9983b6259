"""What every route of one simulator app shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from bpjs_sim.faults import FaultState
from bpjs_sim.settings import SimSettings
from bpjs_sim.store import SqliteStore

__all__ = ["SimContext", "get_context"]


@dataclass
class SimContext:
    """Settings, register and fault switches of one running simulator."""

    settings: SimSettings
    store: SqliteStore
    faults: FaultState = field(default_factory=FaultState)


def get_context(request: Request) -> SimContext:
    """FastAPI dependency: the context the app was built with."""
    context: SimContext = request.app.state.sim
    return context
