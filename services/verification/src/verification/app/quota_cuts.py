"""A quota cut is a two-person act (maker-checker, docs/domain.md): lowering a year's quota
can leave residents waiting, so one Dinkes verifier asks for it and a second one applies it.

- ``change_quota`` (``PUT /quota``): a raise, a first setting or an unchanged total is applied
  at once (``slots.check_quota``, then ``slots.apply_quota``, as before). A cut is checked
  as before (``QuotaBelowUsed``, ``QuotaCutTooLarge``: refused at once) and then only
  stored, pending, with its preview (year, total, used, waiting list, new total): nothing
  changes, nothing is stated. One pending cut per budget year (``CutPending``, naming it):
  two verifiers' cuts of the same total would otherwise wait side by side, each previewed
  against a total the other's approval changes; the first is decided before another is
  asked for. The check runs under the quota row lock ``check_quota`` took, so two cuts asked
  for at once are serialised and the second sees the first. A raise while a cut is pending
  is applied at once (it admits waiting residents and never waits for a second person);
  the pending cut then no longer matches its preview and its approval is refused
  (``PreviewOutdated``) until it is rejected.
- ``decide_cut`` (``POST /quota/cuts/{id}/approve`` / ``/reject``), in one transaction that
  holds the cut's row lock, then the quota row's (``slots`` lock order: the cut row is no
  proposal and never locked by the event handlers): the cut exists (``NotFound``), is still
  pending (``AlreadyDecided``), and an approver is not its maker (``SamePerson``: their actor
  ids, the pseudonyms of the tokens' issuer and subject, differ). Approving re-does the checks
  under the quota row lock: the total must still be the one previewed
  (``PreviewOutdated``: the checker approves what the preview showed, not a cut of another
  total) and the slots in use may have grown meanwhile (``QuotaBelowUsed``). Either refusal
  rolls the transaction back: the cut stays pending, to be approved later (after
  deactivations free slots) or rejected. An approval states QuotaCutApproved (the checker as
  actor, the maker in the payload) and applies the cut (``slots.apply_quota``: QuotaChanged,
  the checker as actor, caused by the approval); a rejection states QuotaCutRejected only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from jkn_bus import UnitOfWork
from jkn_bus.two_person import AlreadyDecided, NotFound, SamePerson, check, found
from jkn_contracts import Actor, QuotaCutApproved, QuotaCutRejected
from jkn_contracts.events import QuotaCutDecidedPayload

from verification.app.dependencies import Dependencies
from verification.app.ports import QuotaCut, QuotaCuts
from verification.app.slots import QuotaBelowUsed, apply_quota, check_quota
from verification.domain import Quota, QuotaError

__all__ = [
    "AlreadyDecided",
    "Applied",
    "CutPending",
    "NotFound",
    "PreviewOutdated",
    "SamePerson",
    "change_quota",
    "decide_cut",
]


class CutPending(QuotaError):
    """A cut of the year is pending already: it is approved or rejected before another one
    is asked for (409). ``cut_id`` names it (an id, no person)."""

    def __init__(self, *, year: int, cut_id: uuid.UUID) -> None:
        self.year, self.cut_id = year, cut_id
        super().__init__(self.describe())

    def describe(self) -> str:
        """What the verifier reads."""
        return (
            f"a cut of the {self.year} quota is pending already ({self.cut_id}): approve or "
            "reject it before asking for another"
        )


class PreviewOutdated(QuotaError):
    """The year's total changed since the cut was previewed: it is not approved (409)."""

    def __init__(self, *, year: int, previewed: int, current: int) -> None:
        self.year, self.previewed, self.current = year, previewed, current
        super().__init__(self.describe())

    def describe(self) -> str:
        """What the verifier reads (numbers only)."""
        return (
            f"the {self.year} quota is {self.current} now, not {self.previewed} as when the "
            "cut was asked for: reject this cut and ask for a new one"
        )


@dataclass(frozen=True)
class Applied:
    """A quota change made at once: the quota after it and the residents it admitted."""

    quota: Quota
    admitted: int


def _actor(uow: UnitOfWork) -> Actor:
    actor: Actor | None = uow.actor
    if actor is None:
        raise ValueError("a quota is set by an authenticated actor (unit_of_work(actor=...))")
    return actor


async def change_quota(
    uow: UnitOfWork, deps: Dependencies, cuts: QuotaCuts, year: int, total: int
) -> Applied | QuotaCut:
    """Apply a raise at once; store a cut pending a second verifier (its preview). Raises
    QuotaBelowUsed, QuotaCutTooLarge, CutPending (nothing changes)."""
    maker = _actor(uow)
    repo = deps.repository(uow)
    before, current = await check_quota(repo, deps, year, total)
    if before is None or total >= current.total:
        quota, admitted = await apply_quota(uow, deps, year, total, before=before, current=current)
        return Applied(quota, admitted)
    pending = await cuts.pending(year)
    if pending is not None:
        raise CutPending(year=year, cut_id=pending.cut_id)
    cut = QuotaCut(
        cut_id=uuid.uuid4(),
        budget_year=year,
        previous_total=current.total,
        total=total,
        used=current.used,
        waiting=await repo.waiting_count(),
        requested_by=maker,
        created_at=deps.now(),
    )
    await cuts.add(cut)
    return cut


async def decide_cut(
    uow: UnitOfWork, deps: Dependencies, cuts: QuotaCuts, cut_id: uuid.UUID, *, approve: bool
) -> tuple[QuotaCut, int]:
    """Approve (apply) or reject a pending cut; returns (the cut as it was asked for,
    residents admitted: always 0, a cut makes no room). Raises NotFound, AlreadyDecided,
    SamePerson; on approval also PreviewOutdated, QuotaBelowUsed (nothing changes)."""
    checker = _actor(uow)
    cut = found(await cuts.find(cut_id, lock=True))
    check(cut.status, pending="pending", maker=cut.requested_by, checker=checker, approve=approve)
    payload = QuotaCutDecidedPayload(
        cut_id=cut.cut_id,
        budget_year=cut.budget_year,
        previous_total=cut.previous_total,
        total=cut.total,
        requested_by=cut.requested_by,
    )
    if not approve:
        rejected = QuotaCutRejected(correlation_id=cut_id, actor=checker, payload=payload)
        await uow.emit(rejected)
        await cuts.decide(cut_id, "rejected", checker, decision_event_id=rejected.event_id)
        return cut, 0
    repo = deps.repository(uow)
    current = await repo.lock_quota(cut.budget_year, initial_total=cut.previous_total)
    if current.total != cut.previous_total:
        raise PreviewOutdated(
            year=cut.budget_year, previewed=cut.previous_total, current=current.total
        )
    if cut.total < current.used:
        raise QuotaBelowUsed(year=cut.budget_year, total=cut.total, used=current.used)
    approved = QuotaCutApproved(correlation_id=cut_id, actor=checker, payload=payload)
    await uow.emit(approved)
    before = Quota(total=current.total, used=current.used)
    _, admitted = await apply_quota(
        uow,
        deps,
        cut.budget_year,
        cut.total,
        before=before,
        current=current,
        causation_id=approved.event_id,
    )
    await cuts.decide(cut_id, "approved", checker, decision_event_id=approved.event_id)
    return cut, admitted
