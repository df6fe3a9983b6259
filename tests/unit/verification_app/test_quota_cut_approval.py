"""A quota cut is a two-person act (app.quota_cuts): asked for by one Dinkes verifier, it
changes nothing until a second one approves it; a raise applies at once. One cut of a year
waits at a time: another is refused, naming it; a raise applies even then, and the waiting
cut, previewed against the old total, can then only be rejected."""

from __future__ import annotations

import uuid

import pytest
from jkn_contracts import Actor, QuotaChanged, QuotaCutApproved, QuotaCutRejected
from unit.verification_app.fakes import FakeQuotaCuts, FakeUnitOfWork, World
from verification.app.ports import QuotaCut
from verification.app.quota_cuts import (
    AlreadyDecided,
    Applied,
    CutPending,
    NotFound,
    PreviewOutdated,
    SamePerson,
    change_quota,
    decide_cut,
)
from verification.app.slots import QuotaBelowUsed, QuotaCutTooLarge
from verification.domain import Quota

RINA = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")
WULAN = Actor(id="act_" + "d2" * 12, agency="dinkes", kind="person")
YEAR = 2026


async def _world_at(total: int, used: int = 0) -> tuple[World, FakeQuotaCuts]:
    world = World(quota_total=total)
    cuts = FakeQuotaCuts()
    first = await change_quota(FakeUnitOfWork(actor=RINA), world.deps, cuts, YEAR, total)
    assert isinstance(first, Applied)
    world.repo.quotas[YEAR] = Quota(total=total, used=used)
    return world, cuts


async def _ask(world: World, cuts: FakeQuotaCuts, total: int) -> QuotaCut:
    uow = FakeUnitOfWork(actor=RINA)
    cut = await change_quota(uow, world.deps, cuts, YEAR, total)
    assert isinstance(cut, QuotaCut)
    assert uow.emitted == []  # asking states nothing
    return cut


async def test_a_cut_is_pending_with_its_preview_and_changes_nothing() -> None:
    world, cuts = await _world_at(200, used=150)
    cut = await _ask(world, cuts, 180)

    assert (cut.status, cut.budget_year, cut.requested_by) == ("pending", YEAR, RINA)
    assert (cut.previous_total, cut.used, cut.total, cut.waiting) == (200, 150, 180, 0)
    assert world.repo.quotas[YEAR] == Quota(total=200, used=150)
    assert len(world.repo.quota_changes) == 1  # the first setting only


async def test_the_maker_cannot_approve_and_a_second_verifier_applies_it_once() -> None:
    world, cuts = await _world_at(200, used=150)
    cut = await _ask(world, cuts, 180)

    with pytest.raises(SamePerson):
        await decide_cut(FakeUnitOfWork(actor=RINA), world.deps, cuts, cut.cut_id, approve=True)
    assert world.repo.quotas[YEAR].total == 200

    uow = FakeUnitOfWork(actor=WULAN)
    await decide_cut(uow, world.deps, cuts, cut.cut_id, approve=True)
    approved, changed = uow.emitted
    assert isinstance(approved, QuotaCutApproved)
    assert isinstance(changed, QuotaChanged)
    assert (approved.actor, approved.payload.requested_by) == (WULAN, RINA)
    assert (changed.payload.previous_total, changed.payload.total) == (200, 180)
    assert changed.actor == WULAN
    assert changed.causation_id == approved.event_id
    assert world.repo.quotas[YEAR] == Quota(total=180, used=150)
    assert cuts.cuts[cut.cut_id].status == "approved"

    with pytest.raises(AlreadyDecided) as again:
        await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, cut.cut_id, approve=True)
    assert again.value.status == "approved"


async def test_a_rejection_by_the_maker_applies_nothing() -> None:
    world, cuts = await _world_at(200)
    cut = await _ask(world, cuts, 190)

    uow = FakeUnitOfWork(actor=RINA)
    await decide_cut(uow, world.deps, cuts, cut.cut_id, approve=False)
    assert [type(e) for e in uow.emitted] == [QuotaCutRejected]
    assert world.repo.quotas[YEAR].total == 200
    with pytest.raises(AlreadyDecided):
        await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, cut.cut_id, approve=True)


async def test_an_approval_re_checks_under_the_lock_and_leaves_a_refused_cut_pending() -> None:
    world, cuts = await _world_at(200, used=170)
    cut = await _ask(world, cuts, 180)
    world.repo.quotas[YEAR] = Quota(total=200, used=185)  # slots taken meanwhile

    uow = FakeUnitOfWork(actor=WULAN)
    with pytest.raises(QuotaBelowUsed):
        await decide_cut(uow, world.deps, cuts, cut.cut_id, approve=True)
    assert uow.emitted == []
    assert cuts.cuts[cut.cut_id].status == "pending"

    world.repo.quotas[YEAR] = Quota(total=210, used=170)  # raised meanwhile
    with pytest.raises(PreviewOutdated):
        await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, cut.cut_id, approve=True)
    assert world.repo.quotas[YEAR].total == 210


async def test_a_raise_applies_at_once_and_the_immediate_refusals_stay() -> None:
    world, cuts = await _world_at(200, used=150)
    uow = FakeUnitOfWork(actor=RINA)
    raised = await change_quota(uow, world.deps, cuts, YEAR, 250)
    assert isinstance(raised, Applied)
    assert raised.quota.total == 250
    assert [type(e) for e in uow.emitted] == [QuotaChanged]

    with pytest.raises(QuotaCutTooLarge):
        await change_quota(FakeUnitOfWork(actor=RINA), world.deps, cuts, YEAR, 200)
    with pytest.raises(QuotaBelowUsed):
        await change_quota(FakeUnitOfWork(actor=RINA), world.deps, cuts, YEAR, 149)
    assert cuts.cuts == {}
    with pytest.raises(NotFound):
        await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, uuid.uuid4(), approve=True)


async def test_a_second_cut_of_the_year_is_refused_while_one_is_pending() -> None:
    world, cuts = await _world_at(200)
    first = await _ask(world, cuts, 190)

    refused = FakeUnitOfWork(actor=WULAN)
    with pytest.raises(CutPending) as caught:
        await change_quota(refused, world.deps, cuts, YEAR, 185)
    assert (caught.value.year, caught.value.cut_id) == (YEAR, first.cut_id)
    assert refused.emitted == []
    assert list(cuts.cuts) == [first.cut_id]

    other = FakeUnitOfWork(actor=RINA)  # another year: its own first setting, its own cut
    assert isinstance(await change_quota(other, world.deps, cuts, YEAR + 1, 50), Applied)
    assert isinstance(await change_quota(other, world.deps, cuts, YEAR + 1, 45), QuotaCut)

    await decide_cut(FakeUnitOfWork(actor=WULAN), world.deps, cuts, first.cut_id, approve=False)
    second = await _ask(world, cuts, 185)  # decided: the next cut may be asked for
    assert second.previous_total == 200


async def test_a_raise_applies_while_a_cut_waits_which_can_then_only_be_rejected() -> None:
    world, cuts = await _world_at(200)
    cut = await _ask(world, cuts, 190)

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
    with pytest.raises(CutPending):  # still pending: it holds back the next cut until rejected
        await change_quota(FakeUnitOfWork(actor=RINA), world.deps, cuts, YEAR, 210)
