"""Prometheus series of the gateway's BPJS calls (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "BPJS_CALLS",
    "BPJS_CALL_SECONDS",
    "BREAKER_OPEN",
    "BREAKER_TRANSITIONS",
    "INTENTS",
    "INTENTS_OPEN",
    "INTENT_OLDEST_OPEN_S",
    "SYNC_CHANGES",
    "SYNC_RUNS",
]

BPJS_CALLS = Counter(
    "jkn_bpjs_calls_total",
    "Calls to BPJS by operation and outcome "
    "(ok, not_found, refused, unavailable, auth_error, decrypt_error, protocol_error, cancelled,"
    " error)",
    ["operation", "outcome"],
)
BPJS_CALL_SECONDS = Histogram(
    "jkn_bpjs_call_seconds",
    "Duration of one BPJS call, whatever its outcome",
    ["operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

SYNC_RUNS = Counter(
    "jkn_bpjs_sync_runs_total",
    "Passes of the periodic peserta sync, by outcome (completed, failed)",
    ["outcome"],
)
SYNC_CHANGES = Counter(
    "jkn_bpjs_sync_changes_total",
    "Card changes found on the BPJS side by the peserta sync (meninggal, segment, status)",
    ["kind"],
)

# Every series present from the start, so that dashboards and alerts see zeros, not gaps.
for _outcome in ("completed", "failed"):
    SYNC_RUNS.labels(_outcome)
for _kind in ("meninggal", "segment", "status"):
    SYNC_CHANGES.labels(_kind)

BREAKER_OPEN = Gauge(
    "jkn_bpjs_breaker_open",
    "1 while the circuit breaker of a BPJS operation (tambah, kurang, lookup) is open or"
    " half-open: calls of it wait, their intents stay pending",
    ["operation"],
)
BREAKER_TRANSITIONS = Counter(
    "jkn_bpjs_breaker_transitions_total",
    "Circuit breaker state changes by operation and new state (open, closed)",
    ["operation", "state"],
)
INTENTS = Counter(
    "jkn_bpjs_intents_total",
    "BPJS intents by operation and what became of an attempt (done, resolved_by_lookup,"
    " retry, waiting, cancelled)",
    ["operation", "outcome"],
)
INTENTS_OPEN = Gauge(
    "jkn_bpjs_intents_open",
    "BPJS intents not yet done, by operation and state (pending, in_flight): the backlog"
    " toward BPJS, refreshed every BPJS_BACKLOG_INTERVAL_S",
    ["operation", "state"],
)
INTENT_OLDEST_OPEN_S = Gauge(
    "jkn_bpjs_intent_oldest_open_seconds",
    "Age of the oldest BPJS intent not yet done, by operation (0: none): how long a"
    " resident has waited for BPJS; an alert on it catches an outage retried for hours",
    ["operation"],
)
for _operation in ("tambah", "kurang", "lookup"):
    INTENT_OLDEST_OPEN_S.labels(_operation).set(0)
    for _open in ("pending", "in_flight"):
        INTENTS_OPEN.labels(_operation, _open).set(0)
    BREAKER_OPEN.labels(_operation).set(0)
    for _state in ("open", "closed"):
        BREAKER_TRANSITIONS.labels(_operation, _state)
