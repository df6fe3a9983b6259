"""The backlog toward BPJS as metrics: open intents by operation and state, and the age of
the oldest (README, Intents). An intent is retried until BPJS answers, however long an
outage lasts (an outage is no reason to drop a resident's decision); these gauges are how
an operator sees such a wait and alerts on it. Counts and ages only: nothing personal."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from bpjs_gateway.metrics import INTENT_OLDEST_OPEN_S, INTENTS_OPEN

__all__ = ["refresh_backlog", "track_backlog"]

log = logging.getLogger(__name__)

OPERATIONS = ("tambah", "kurang", "lookup")
OPEN_STATES = ("pending", "in_flight")

_BACKLOG = """
SELECT operation, state, count(*) AS n,
       extract(epoch FROM now() - min(created_at))::float8 AS oldest_s
  FROM bpjs_intents
 WHERE state IN ('pending', 'in_flight')
 GROUP BY operation, state
"""


async def refresh_backlog(pool: asyncpg.Pool) -> dict[tuple[str, str], int]:
    """Set the gauges from the table; returns the counts it set (zeros included)."""
    rows = await pool.fetch(_BACKLOG)
    counts = {(op, state): 0 for op in OPERATIONS for state in OPEN_STATES}
    oldest = dict.fromkeys(OPERATIONS, 0.0)
    for r in rows:
        counts[r["operation"], r["state"]] = int(r["n"])
        oldest[r["operation"]] = max(oldest[r["operation"]], float(r["oldest_s"]))
    for (op, state), n in counts.items():
        INTENTS_OPEN.labels(op, state).set(n)
    for op, age in oldest.items():
        INTENT_OLDEST_OPEN_S.labels(op).set(round(age, 3))
    return counts


async def track_backlog(pool: asyncpg.Pool, interval_s: float) -> None:
    """Refresh the gauges every ``interval_s`` (a background task); a failed refresh keeps
    the last values and is logged by its class (a database error's text may quote rows)."""
    while True:
        try:
            await refresh_backlog(pool)
        except Exception as exc:  # a metric must never stop the service
            log.warning("BPJS backlog not measured (%s)", type(exc).__name__)
        await asyncio.sleep(interval_s)
