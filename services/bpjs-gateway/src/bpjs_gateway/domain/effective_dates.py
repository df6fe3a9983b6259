"""When a PBI APBD registration or removal takes effect at BPJS.

- Activation: in a "UHC prioritas" city (Universal Health Coverage with priority
  status, >= 95% of residents covered) a new participant is covered the same day;
  otherwise from the 1st of the next month.
- Deactivation: a removal filed on or before the cut-off day (20 by default) takes
  effect on the 1st of the next month; filed later, on the 1st of the month after.

Both rules come from the city's agreement with BPJS and are therefore configurable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "DEFAULT_DEACTIVATION_CUTOFF_DAY",
    "EffectiveDateRules",
    "activation_effective_date",
    "deactivation_effective_date",
    "first_of_month_after",
]

DEFAULT_DEACTIVATION_CUTOFF_DAY = 20


def first_of_month_after(day: date, months: int = 1) -> date:
    """The 1st of the month ``months`` months after the month of ``day``."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def activation_effective_date(filed_on: date, *, uhc_prioritas: bool) -> date:
    """The day a participant registered on ``filed_on`` becomes covered."""
    return filed_on if uhc_prioritas else first_of_month_after(filed_on)


def deactivation_effective_date(
    filed_on: date, *, cutoff_day: int = DEFAULT_DEACTIVATION_CUTOFF_DAY
) -> date:
    """The day a removal filed on ``filed_on`` ends coverage."""
    if not 1 <= cutoff_day <= 31:
        raise ValueError(f"cutoff_day must be 1-31, got {cutoff_day}")
    months = 1 if filed_on.day <= cutoff_day else 2
    return first_of_month_after(filed_on, months)


@dataclass(frozen=True)
class EffectiveDateRules:
    """The city's configured rules, for code that is handed them once at start-up."""

    uhc_prioritas: bool = False
    deactivation_cutoff_day: int = DEFAULT_DEACTIVATION_CUTOFF_DAY

    def __post_init__(self) -> None:
        if not 1 <= self.deactivation_cutoff_day <= 31:
            raise ValueError(
                f"deactivation_cutoff_day must be 1-31, got {self.deactivation_cutoff_day}"
            )

    def activation(self, filed_on: date) -> date:
        """See :func:`activation_effective_date`."""
        return activation_effective_date(filed_on, uhc_prioritas=self.uhc_prioritas)

    def deactivation(self, filed_on: date) -> date:
        """See :func:`deactivation_effective_date`."""
        return deactivation_effective_date(filed_on, cutoff_day=self.deactivation_cutoff_day)
