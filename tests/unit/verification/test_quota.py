"""The budget quota, premium arithmetic and waiting-list order (docs/domain.md#rule-7)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from verification.domain import (
    DEFAULT_PREMIUM_PER_MONTH,
    Quota,
    QuotaError,
    QuotaExhausted,
    QuotaUnderflow,
    annual_cost,
    priority_key,
    quota_from_budget,
)


def test_the_default_premium_is_rp42000_per_month() -> None:
    assert DEFAULT_PREMIUM_PER_MONTH == 42_000


def test_a_budget_buys_whole_participant_years_rounded_down() -> None:
    assert quota_from_budget(504_000) == 1
    assert quota_from_budget(1_007_999) == 1
    assert quota_from_budget(10_080_000_000) == 20_000


def test_the_premium_and_months_are_configurable() -> None:
    assert quota_from_budget(1_000_000, months=6, premium_per_month=50_000) == 3


def test_quota_arithmetic_refuses_nonsense_inputs() -> None:
    with pytest.raises(ValueError, match="positive"):
        quota_from_budget(1_000_000, premium_per_month=0)
    with pytest.raises(ValueError, match="negative"):
        quota_from_budget(-1)


def test_annual_cost_is_participants_times_months_times_premium() -> None:
    assert annual_cost(20_000) == 10_080_000_000


def test_taking_a_slot_uses_it() -> None:
    quota = Quota(total=2).take()
    assert (quota.used, quota.free, quota.has_free_slot) == (1, 1, True)


def test_taking_a_slot_from_a_full_quota_is_refused() -> None:
    full = Quota(total=1).take()
    assert not full.has_free_slot
    with pytest.raises(QuotaExhausted):
        full.take()


def test_releasing_a_slot_frees_it() -> None:
    assert Quota(total=3, used=3).release() == Quota(total=3, used=2)


def test_releasing_a_slot_that_was_never_taken_is_refused() -> None:
    with pytest.raises(QuotaUnderflow):
        Quota(total=3).release()


def test_a_quota_cannot_be_built_over_its_total() -> None:
    with pytest.raises(QuotaError):
        Quota(total=1, used=2)


def test_the_waiting_list_serves_the_poorest_decile_first_then_the_earliest() -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    waiting = {"a": (3, early), "b": (1, late), "c": (1, early), "d": (None, early)}
    order = sorted(waiting, key=lambda k: priority_key(*waiting[k]))
    assert order == ["c", "b", "a", "d"]


def test_priority_refuses_a_decile_outside_1_to_10() -> None:
    with pytest.raises(ValueError, match="decile"):
        priority_key(0, datetime(2026, 1, 1, tzinfo=UTC))
