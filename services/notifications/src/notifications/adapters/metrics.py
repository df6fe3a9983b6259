"""Prometheus series of the feedback channel (shared ones are in jkn_bus.metrics)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import asyncpg
from prometheus_client import Counter, Gauge

from notifications.adapters import feedback
from notifications.domain.feedback import AGENCIES

__all__ = [
    "FEEDBACK_OPEN",
    "FEEDBACK_OVERDUE",
    "FEEDBACK_RECEIVED",
    "WEBHOOK_REFUSED",
    "PrometheusFeedbackMetrics",
    "observe_feedback",
]

FEEDBACK_RECEIVED = Counter(
    "jkn_feedback_received_total",
    "Feedback items received, by channel (web, sms, whatsapp) and kind",
    ["channel", "kind"],
)
FEEDBACK_OPEN = Gauge("jkn_feedback_open", "Feedback items not yet answered", ["agency"])
FEEDBACK_OVERDUE = Gauge(
    "jkn_feedback_overdue", "Feedback items not answered by their due date", ["agency"]
)
WEBHOOK_REFUSED = Counter(
    "jkn_webhook_refused_total",
    "Provider webhook calls refused (401), by channel and reason (SIGNATURE_MISSING, "
    "SIGNATURE_INVALID, TIMESTAMP_MISSING, TIMESTAMP_STALE)",
    ["channel", "reason"],
)


async def observe_feedback(pool: asyncpg.Pool, today: date) -> None:
    """Set the gauges from the table: every agency, zero when it has nothing open. Read
    from the database (not counted in memory), so every replica reports the same."""
    found = {r["agency"]: r for r in await feedback.counts(pool, today)}
    for agency in AGENCIES:
        row = found.get(agency)
        FEEDBACK_OPEN.labels(agency).set(row["open"] if row else 0)
        FEEDBACK_OVERDUE.labels(agency).set(row["overdue"] if row else 0)


class PrometheusFeedbackMetrics:
    """``app.ports.FeedbackMetrics`` on this process's registry; the gauges read through
    ``pool`` (a getter: the runtime's pool exists once it has started)."""

    def __init__(self, pool: Callable[[], asyncpg.Pool]) -> None:
        self._pool = pool

    def received(self, channel: str, kind: str) -> None:
        FEEDBACK_RECEIVED.labels(channel, kind).inc()

    async def observe(self, today: date) -> None:
        await observe_feedback(self._pool(), today)
