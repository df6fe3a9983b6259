"""Prometheus series of the verification service (shared ones are in jkn_bus.metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from verification.domain import Quota

__all__ = ["BACKFILLED", "QUOTA_SLOTS", "WAITING", "PrometheusGauges", "observe_quota"]

QUOTA_SLOTS = Gauge(
    "jkn_quota_slots",
    "Quota slots of a budget year, by state (used, free, total)",
    ["budget_year", "state"],
)
WAITING = Gauge("jkn_waiting_list_size", "Valid proposals waiting for a quota slot")
BACKFILLED = Counter(
    "jkn_at_rest_backfilled",
    "Rows written in clear before personal data was sealed at rest, converted at start-up"
    " (outcome converted, or blanked: a resident with no live key)",
    ["table", "outcome"],
)


def observe_quota(budget_year: int, quota: Quota) -> None:
    """Set the gauges to a quota just written (a rolled-back write is corrected by the next)."""
    year = str(budget_year)
    QUOTA_SLOTS.labels(year, "used").set(quota.used)
    QUOTA_SLOTS.labels(year, "free").set(quota.free)
    QUOTA_SLOTS.labels(year, "total").set(quota.total)


class PrometheusGauges:
    """:class:`verification.app.ports.Gauges` on this process's Prometheus series."""

    def quota(self, budget_year: int, quota: Quota) -> None:
        observe_quota(budget_year, quota)

    def waiting(self, size: int) -> None:
        WAITING.set(size)
