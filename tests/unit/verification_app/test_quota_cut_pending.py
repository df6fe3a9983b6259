"""One pending quota cut per budget year (app.quota_cuts): a second cut is refused while one
waits, naming it; a raise applies even then, and the waiting cut, previewed against the
old total, can then only be rejected."""

from __future__ import annotations

import pytest
from jkn_contracts import Actor, QuotaChanged
from unit.verification_app.fakes import FakeQuotaCuts, FakeUnitOfWork, World
from verification.app.ports import QuotaCut
from verification.app.quota_cuts import (
    Applied,
    CutPending,
    PreviewOutdated,
    change_quota,
    decide_cut,
)

RINA = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")
WULAN = Actor(id="act_" + "d2" * 12, agency="dinkes", kind="person")
YEAR = 2026


async def _set(world: World, cuts: FakeQuotaCuts, total: int, *, year: int = YEAR) -> object:
    return await change_quota(FakeUnitOfWork(actor=RINA), world.deps, cuts, year, total)


async def test_a_second_cut_of_the_year_is_refused_while_one_is_pending() -> None:
    world, cuts = World(quota_total=200), FakeQuotaCuts()
    await _set(world, cuts, 200)
    first = await _set(world, cuts, 190)
    assert isinstance(first, QuotaCut)

    refused = FakeUnitOfWork(actor=WULAN)
    with pytest.raises(CutPending) as caught:
        await change_quota(refused, world.deps, cuts, YEAR, 185)
    assert (caught.value.year, caught.value.cut_id) == (YEAR, first.cut_id)
    assert refused.emitted == []
    assert list(cuts.cuts) == [first.cut_id]

    other_year = await _set(world, cuts, 50, year=YEAR + 1)  # another year: its own first
    assert isinstance(other_year, Applied)
    assert isinstance(await _set(world, cuts, 45, year=YEAR + 1), QuotaCut)

    await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, first.cut_id, approve=False)
    second = await _set(world, cuts, 185)  # decided: the next cut may be asked for
    assert isinstance(second, QuotaCut)
    assert second.previous_total == 200


async def test_a_raise_applies_while_a_cut_waits_which_can_then_only_be_rejected() -> None:
    world, cuts = World(quota_total=200), FakeQuotaCuts()
    await _set(world, cuts, 200)
    cut = await _set(world, cuts, 190)
    assert isinstance(cut, QuotaCut)

    uow = FakeUnitOfWork(actor=WULAN)
    raised = await change_quota(uow, world.deps, cuts, YEAR, 220)
    assert isinstance(raised, Applied)
    assert raised.quota.total == 220
    assert [type(e) for e in uow.emitted] == [QuotaChanged]
    assert cuts.cuts[cut.cut_id].status == "pending"

    with pytest.raises(PreviewOutdated) as outdated:
        await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, cut.cut_id, approve=True)
    assert (outdated.value.previewed, outdated.value.current) == (200, 220)
    assert world.repo.quotas[YEAR].total == 220
    with pytest.raises(CutPending):  # still pending: it blocks the next cut until rejected
        await _set(world, cuts, 210)
