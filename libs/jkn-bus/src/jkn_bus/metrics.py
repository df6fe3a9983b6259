"""Prometheus series shared by every service (each service exposes ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "CONSUMED",
    "CONSUMER_LAG",
    "DEAD_LETTERS",
    "HANDLER_SECONDS",
    "OUTBOX_AGE",
    "OUTBOX_PUBLISHED",
    "RETENTION_OLDEST",
    "RETENTION_PURGED",
    "STAGE_SECONDS",
]

OUTBOX_PUBLISHED = Counter(
    "jkn_outbox_published_total", "Outbox rows published to Kafka", ["service"]
)
OUTBOX_AGE = Gauge(
    "jkn_outbox_oldest_unpublished_seconds",
    "Age of the oldest outbox row not yet confirmed by the broker",
    ["service"],
)
CONSUMED = Counter(
    "jkn_events_consumed_total",
    "Events consumed, by outcome (applied, duplicate, ignored, dead_lettered)",
    ["service", "event_type", "outcome"],
)
CONSUMER_LAG = Gauge(
    "jkn_consumer_lag",
    "Records of a partition not yet applied by the service (end offset - committed offset)",
    ["service", "topic", "partition"],
)
DEAD_LETTERS = Counter(
    "jkn_dead_letters_total", "Records sent to the dead-letter topic", ["service", "topic"]
)
HANDLER_SECONDS = Histogram(
    "jkn_handler_seconds", "Time to apply one event (one transaction)", ["service", "event_type"]
)
STAGE_SECONDS = Histogram(
    "jkn_stage_seconds",
    "Time between two steps of a resident's journey, by stage (e.g. registered_to_verified)",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400, 604800),
)
RETENTION_PURGED = Counter(
    "jkn_retention_purged_total",
    "Rows or files deleted because their retention period was over (jkn_bus.retention)",
    ["service", "store"],
)
RETENTION_OLDEST = Gauge(
    "jkn_retention_oldest_seconds",
    "Age of the oldest item a store still keeps (0 when empty), refreshed every purge pass",
    ["service", "store"],
)
