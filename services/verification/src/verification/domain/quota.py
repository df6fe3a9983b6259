"""The budget quota and the waiting list, as pure decisions.

The city's budget (APBD) buys participant-months at the PBI premium, so the number of
slots is ``floor(budget / (premium_per_month * months))``. The premium is Rp42,000 per
person per month since August 2019 (Perpres 75/2019) and may change (Perpres 59/2024):
it is a parameter, never a constant buried in a rule. When every slot is taken a valid
proposal waits; the waiting list is served poorest decile first, then first come.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

__all__ = [
    "DEFAULT_PREMIUM_PER_MONTH",
    "Quota",
    "QuotaError",
    "QuotaExhausted",
    "QuotaUnderflow",
    "annual_cost",
    "priority_key",
    "quota_from_budget",
]

DEFAULT_PREMIUM_PER_MONTH = 42_000  # rupiah, class III PBI premium since August 2019
_UNKNOWN_DECILE = 11  # ranks after every known decile (1-10)


class QuotaError(Exception):
    """A quota operation that would break its invariant ``0 <= used <= total``."""


class QuotaExhausted(QuotaError):
    """No free slot: the proposal must wait."""


class QuotaUnderflow(QuotaError):
    """A slot was released that was never taken."""


@dataclass(frozen=True, slots=True)
class Quota:
    """Slots funded for a budget year (``total``) and slots held by participants (``used``)."""

    total: int
    used: int = 0

    def __post_init__(self) -> None:
        if self.total < 0 or self.used < 0:
            raise QuotaError("total and used must not be negative")
        if self.used > self.total:
            raise QuotaError("used must not exceed total")

    @property
    def free(self) -> int:
        """Slots still available."""
        return self.total - self.used

    @property
    def has_free_slot(self) -> bool:
        """True when one more participant can be funded."""
        return self.used < self.total

    def take(self) -> Quota:
        """The quota after one slot is taken; ``QuotaExhausted`` when none is free."""
        if not self.has_free_slot:
            raise QuotaExhausted(f"all {self.total} slots are in use")
        return replace(self, used=self.used + 1)

    def release(self) -> Quota:
        """The quota after one slot is freed; ``QuotaUnderflow`` when none is in use."""
        if self.used == 0:
            raise QuotaUnderflow("no slot is in use")
        return replace(self, used=self.used - 1)


def priority_key(decile: int | None, waiting_since: datetime) -> tuple[int, datetime]:
    """Sort key of the waiting list: lower (poorer) decile first, then the earliest waiting.

    A proposal without a known decile ranks after all those with one.
    """
    if decile is not None and not 1 <= decile <= 10:
        raise ValueError("decile must be between 1 and 10")
    return (_UNKNOWN_DECILE if decile is None else decile, waiting_since)


def quota_from_budget(
    budget_rupiah: int, *, months: int = 12, premium_per_month: int = DEFAULT_PREMIUM_PER_MONTH
) -> int:
    """How many residents a budget covers for ``months`` months (rounded down)."""
    if budget_rupiah < 0:
        raise ValueError("budget_rupiah must not be negative")
    if months <= 0 or premium_per_month <= 0:
        raise ValueError("months and premium_per_month must be positive")
    return budget_rupiah // (premium_per_month * months)


def annual_cost(
    participants: int, *, months: int = 12, premium_per_month: int = DEFAULT_PREMIUM_PER_MONTH
) -> int:
    """Premiums owed for ``participants`` residents over ``months`` months, in rupiah."""
    if participants < 0 or months < 0 or premium_per_month < 0:
        raise ValueError("participants, months and premium_per_month must not be negative")
    return participants * months * premium_per_month
