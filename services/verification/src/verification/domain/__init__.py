"""Dinas Kesehatan's domain: verification rules, reasons for rejection and the quota.

Pure Python: no I/O, no clock except where a ``today`` parameter defaults to it.
"""

from verification.domain.facts import BpjsMembership, CivilRecord, DtksRecord
from verification.domain.quota import (
    DEFAULT_PREMIUM_PER_MONTH,
    Quota,
    QuotaError,
    QuotaExhausted,
    QuotaUnderflow,
    annual_cost,
    priority_key,
    quota_from_budget,
)
from verification.domain.reasons import ReasonCode, reason
from verification.domain.rules import Policy, coverage_check, local_checks

__all__ = [
    "DEFAULT_PREMIUM_PER_MONTH",
    "BpjsMembership",
    "CivilRecord",
    "DtksRecord",
    "Policy",
    "Quota",
    "QuotaError",
    "QuotaExhausted",
    "QuotaUnderflow",
    "ReasonCode",
    "annual_cost",
    "coverage_check",
    "local_checks",
    "priority_key",
    "quota_from_budget",
    "reason",
]
