"""When PBI APBD registrations and removals take effect (docs/domain.md#effective-dates)."""

from __future__ import annotations

from datetime import date

import pytest
from bpjs_gateway.domain.effective_dates import (
    EffectiveDateRules,
    activation_effective_date,
    deactivation_effective_date,
    first_of_month_after,
)


def test_in_a_uhc_prioritas_city_a_new_participant_is_covered_the_same_day() -> None:
    assert activation_effective_date(date(2025, 3, 17), uhc_prioritas=True) == date(2025, 3, 17)


def test_elsewhere_a_new_participant_is_covered_from_the_first_of_next_month() -> None:
    assert activation_effective_date(date(2025, 3, 17), uhc_prioritas=False) == date(2025, 4, 1)


def test_a_registration_on_the_first_of_a_month_still_waits_for_the_next_month() -> None:
    assert activation_effective_date(date(2025, 3, 1), uhc_prioritas=False) == date(2025, 4, 1)


def test_a_december_registration_is_covered_from_january_of_the_next_year() -> None:
    assert activation_effective_date(date(2025, 12, 31), uhc_prioritas=False) == date(2026, 1, 1)


@pytest.mark.parametrize("day", [1, 15, 20])
def test_a_removal_filed_by_the_20th_ends_coverage_on_the_first_of_next_month(day: int) -> None:
    assert deactivation_effective_date(date(2025, 6, day)) == date(2025, 7, 1)


@pytest.mark.parametrize("day", [21, 30])
def test_a_removal_filed_after_the_20th_ends_coverage_a_month_later(day: int) -> None:
    assert deactivation_effective_date(date(2025, 6, day)) == date(2025, 8, 1)


def test_a_late_november_removal_ends_coverage_on_the_first_of_january() -> None:
    assert deactivation_effective_date(date(2025, 11, 25)) == date(2026, 1, 1)


def test_a_late_december_removal_ends_coverage_on_the_first_of_february() -> None:
    assert deactivation_effective_date(date(2025, 12, 21)) == date(2026, 2, 1)


def test_the_cut_off_day_is_configurable() -> None:
    assert deactivation_effective_date(date(2025, 6, 16), cutoff_day=15) == date(2025, 8, 1)
    assert deactivation_effective_date(date(2025, 6, 25), cutoff_day=25) == date(2025, 7, 1)


@pytest.mark.parametrize("cutoff_day", [0, 32])
def test_a_cut_off_day_outside_the_month_is_refused(cutoff_day: int) -> None:
    with pytest.raises(ValueError, match="cutoff_day"):
        deactivation_effective_date(date(2025, 6, 1), cutoff_day=cutoff_day)
    with pytest.raises(ValueError, match="cutoff_day"):
        EffectiveDateRules(deactivation_cutoff_day=cutoff_day)


def test_configured_rules_apply_both_policies() -> None:
    rules = EffectiveDateRules(uhc_prioritas=True, deactivation_cutoff_day=10)
    assert rules.activation(date(2025, 2, 11)) == date(2025, 2, 11)
    assert rules.deactivation(date(2025, 2, 11)) == date(2025, 4, 1)


def test_default_rules_are_not_uhc_prioritas_with_cut_off_on_the_20th() -> None:
    rules = EffectiveDateRules()
    assert rules.activation(date(2025, 2, 11)) == date(2025, 3, 1)
    assert rules.deactivation(date(2025, 2, 20)) == date(2025, 3, 1)


def test_first_of_month_after_crosses_years() -> None:
    assert first_of_month_after(date(2025, 11, 30), months=2) == date(2026, 1, 1)
