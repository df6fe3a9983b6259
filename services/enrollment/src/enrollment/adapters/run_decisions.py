"""A reconciliation run's decision in the database (``app.ports.RunDecisions``): the run's
row locked and decided, its maker (the uploader), what it plans."""

from __future__ import annotations

import uuid

import asyncpg

from enrollment.adapters.proposals import actor_from as maker_of
from enrollment.adapters.reconciliation import (
    count_participants,
    planned_by_reason,
    save_participants,
)
from enrollment.adapters.reconciliation import decide_run as decide
from enrollment.adapters.reconciliation import lock_run as lock

__all__ = ["count_participants", "decide", "lock", "maker_of", "planned", "save_participants"]


async def planned(conn: asyncpg.Connection, run_id: uuid.UUID) -> int:
    return sum((await planned_by_reason(conn, run_id)).values())
