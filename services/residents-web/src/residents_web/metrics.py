"""What the pages did, for the platform's operators (``/metrics``): codes only, never what a
resident typed. A rise of ``not_found`` or ``too_many`` on ``status`` is someone guessing."""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["LOOKUPS"]

LOOKUPS = Counter(
    "jkn_residents_web_requests_total",
    "Forms the residents' pages answered, by form and outcome",
    ["form", "outcome"],  # form: status, feedback, track; outcome: ok, not_found, ...
)
