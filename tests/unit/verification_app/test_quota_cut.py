"""A quota cut larger than JKN_MAX_QUOTA_CUT_SHARE of the year's total is refused at once."""

from __future__ import annotations

import dataclasses

import pytest
from jkn_contracts import Actor, QuotaChanged
from unit.verification_app.fakes import FakeUnitOfWork, World
from verification.app.slots import QuotaCutTooLarge, set_quota
from verification.settings import VerificationSettings

VERIFIER = Actor(id="act_" + "d2" * 12, agency="dinkes", kind="person")


async def test_a_cut_beyond_the_share_is_refused_and_nothing_is_changed_or_stated() -> None:
    world = World(quota_total=100)
    await set_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, 2026, 100)
    refused = FakeUnitOfWork(actor=VERIFIER)
    with pytest.raises(QuotaCutTooLarge, match="from 100 to 89") as caught:
        await set_quota(refused, world.deps, 2026, 89)
    assert (caught.value.previous_total, caught.value.max_share) == (100, 0.10)
    assert refused.emitted == []
    assert len(world.repo.quota_changes) == 1

    allowed = FakeUnitOfWork(actor=VERIFIER)
    quota, _ = await set_quota(allowed, world.deps, 2026, 90)  # exactly 10 %: allowed
    assert quota.total == 90
    assert [type(e) for e in allowed.emitted] == [QuotaChanged]


async def test_raising_and_a_first_setting_are_never_cuts() -> None:
    world = World(quota_total=100)
    await set_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, 2027, 5)  # no row yet
    quota, _ = await set_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, 2027, 500)
    assert quota.total == 500


async def test_the_share_is_configurable() -> None:
    world = World(quota_total=100)
    world.deps = dataclasses.replace(world.deps, max_quota_cut_share=0.5)
    await set_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, 2026, 100)
    quota, _ = await set_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, 2026, 50)
    assert quota.total == 50


def test_the_setting_defaults_to_ten_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JKN_MAX_QUOTA_CUT_SHARE", raising=False)
    assert VerificationSettings().max_quota_cut_share == 0.10
    monkeypatch.setenv("JKN_MAX_QUOTA_CUT_SHARE", "0.25")
    assert VerificationSettings().max_quota_cut_share == 0.25
