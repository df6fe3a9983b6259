"""A quota cut larger than JKN_MAX_QUOTA_CUT_SHARE of the year's total is refused at once; a
smaller one waits for a second verifier (app.quota_cuts); a raise applies at once."""

from __future__ import annotations

import dataclasses

import pytest
from jkn_contracts import Actor, QuotaChanged
from unit.verification_app.fakes import FakeQuotaCuts, FakeUnitOfWork, World
from verification.app.ports import QuotaCut
from verification.app.quota_cuts import Applied, change_quota
from verification.app.slots import QuotaCutTooLarge
from verification.settings import VerificationSettings

VERIFIER = Actor(id="act_" + "d2" * 12, agency="dinkes", kind="person")


async def test_a_cut_beyond_the_share_is_refused_and_nothing_is_changed_or_stated() -> None:
    world, cuts = World(quota_total=100), FakeQuotaCuts()
    await change_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, cuts, 2026, 100)
    refused = FakeUnitOfWork(actor=VERIFIER)
    with pytest.raises(QuotaCutTooLarge, match="from 100 to 89") as caught:
        await change_quota(refused, world.deps, cuts, 2026, 89)
    assert (caught.value.previous_total, caught.value.max_share) == (100, 0.10)
    assert refused.emitted == []
    assert cuts.cuts == {}
    assert len(world.repo.quota_changes) == 1

    allowed = FakeUnitOfWork(actor=VERIFIER)
    cut = await change_quota(allowed, world.deps, cuts, 2026, 90)  # exactly 10 %: allowed
    assert isinstance(cut, QuotaCut)
    assert (cut.previous_total, cut.total, cut.status) == (100, 90, "pending")
    assert allowed.emitted == []  # pending a second verifier: nothing stated yet
    assert world.repo.quotas[2026].total == 100


async def test_raising_and_a_first_setting_are_never_cuts() -> None:
    world, cuts = World(quota_total=100), FakeQuotaCuts()
    first = await change_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, cuts, 2027, 5)
    uow = FakeUnitOfWork(actor=VERIFIER)
    raised = await change_quota(uow, world.deps, cuts, 2027, 500)
    assert isinstance(first, Applied)
    assert isinstance(raised, Applied)
    assert raised.quota.total == 500
    assert [type(e) for e in uow.emitted] == [QuotaChanged]
    assert cuts.cuts == {}


async def test_the_share_is_configurable() -> None:
    world, cuts = World(quota_total=100), FakeQuotaCuts()
    world.deps = dataclasses.replace(world.deps, max_quota_cut_share=0.5)
    await change_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, cuts, 2026, 100)
    cut = await change_quota(FakeUnitOfWork(actor=VERIFIER), world.deps, cuts, 2026, 50)
    assert isinstance(cut, QuotaCut)
    assert cut.total == 50


def test_the_setting_defaults_to_ten_percent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JKN_MAX_QUOTA_CUT_SHARE", raising=False)
    assert VerificationSettings().max_quota_cut_share == 0.10
    monkeypatch.setenv("JKN_MAX_QUOTA_CUT_SHARE", "0.25")
    assert VerificationSettings().max_quota_cut_share == 0.25
