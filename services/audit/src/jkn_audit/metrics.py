"""Prometheus series of the audit trail (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = ["CHAIN_OK", "ENTRIES"]

ENTRIES = Counter(
    "jkn_audit_entries_total", "Events appended to the audit log, by producing agency", ["producer"]
)
CHAIN_OK = Gauge(
    "jkn_audit_chain_ok", "1 if the last verification found the chain intact, 0 if broken"
)
