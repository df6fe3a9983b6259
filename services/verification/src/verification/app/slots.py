"""Rule 7, the quota: taking and releasing slots, the waiting list, raising the quota
(docs/domain.md#rule-7).

Every function here runs inside one transaction that already holds the quota row of the
budget year with ``SELECT ... FOR UPDATE`` (``Repository.lock_quota``): that lock, the
CHECK ``used <= total`` and the unique slot per participant keep two concurrent
verifications from both taking the last slot. SERIALIZABLE is not relied on
(docs/pitfalls.md#serializable).
"""

from __future__ import annotations

import logging
import uuid

from jkn_bus import UnitOfWork
from jkn_bus.metrics import STAGE_SECONDS
from jkn_bus.personal_data import PersonalDataErased
from jkn_bus.telemetry import resident_trace
from jkn_contracts import ParticipantVerified, ParticipantWaitlisted, QuotaChanged
from jkn_contracts.events import QuotaChangedPayload, VerifiedPayload, WaitlistedPayload

from verification.app.dependencies import Dependencies
from verification.app.model import Proposal, Status
from verification.app.ports import QuotaChange, Repository
from verification.domain import Quota, QuotaError

__all__ = [
    "QuotaBelowUsed",
    "QuotaCutTooLarge",
    "admit_from_waiting_list",
    "apply_quota",
    "check_quota",
    "observe_decision",
    "release_slot",
    "verify_or_waitlist",
]

log = logging.getLogger(__name__)


class QuotaBelowUsed(QuotaError):
    """A new total smaller than the slots already held: participants cannot be un-funded."""

    def __init__(self, *, year: int, total: int, used: int) -> None:
        self.year, self.total, self.used = year, total, used
        super().__init__(self.describe())

    def describe(self) -> str:
        """What the verifier reads (numbers only)."""
        return (
            f"the {self.year} quota cannot be lowered to {self.total}: {self.used} slots are "
            "in use; slots are freed only by deactivations"
        )


class QuotaCutTooLarge(QuotaError):
    """A new total lower than the year's by more than ``max_quota_cut_share`` of it (a typo,
    or a cut that must be decided, and made, in steps)."""

    def __init__(self, *, year: int, total: int, previous_total: int, max_share: float) -> None:
        self.year, self.total = year, total
        self.previous_total = previous_total
        self.max_share = max_share
        super().__init__(self.describe())

    def describe(self) -> str:
        """What the verifier reads (numbers only)."""
        return (
            f"the {self.year} quota cannot be lowered from {self.previous_total} to "
            f"{self.total} at once: a cut of more than {self.max_share:.0%} of the total "
            "is refused"
        )


def observe_decision(deps: Dependencies, proposal: Proposal) -> None:
    """Stage latency: from the proposal's registration to the Health Office's decision."""
    proposal.decided_at = deps.now()
    elapsed = (proposal.decided_at - proposal.registered_at).total_seconds()
    STAGE_SECONDS.labels("registered_to_verified").observe(max(elapsed, 0.0))


async def _take_slot(
    uow: UnitOfWork,
    deps: Dependencies,
    repo: Repository,
    proposal: Proposal,
    *,
    year: int,
    quota: Quota,
    from_waitlist: bool,
    causation_id: uuid.UUID | None = None,
) -> Quota:
    # the resident's fields the gateway and notifications need, sealed under their key
    if proposal.resident is None:  # erased: nothing to pass on (its key is destroyed too)
        raise PersonalDataErased
    event_id, personal = await deps.sealer.seal(
        uow.conn, ParticipantVerified, proposal.participant_id, proposal.resident
    )
    quota = quota.take()
    proposal.status = Status.VERIFIED
    proposal.budget_year = year
    proposal.reasons = []
    if not from_waitlist:
        observe_decision(deps, proposal)
    await repo.take_slot(proposal, quota)
    await uow.emit(
        ParticipantVerified(
            event_id=event_id,
            participant_id=proposal.participant_id,
            correlation_id=proposal.correlation_id,
            causation_id=causation_id or uow.causation_id,
            payload=VerifiedPayload(
                proposal_id=proposal.proposal_id,
                personal=personal,
                budget_year=year,
                admitted_from_waitlist=from_waitlist,
                uhc_priority=deps.uhc_priority,
            ),
        )
    )
    deps.gauges.quota(year, quota)
    return quota


async def verify_or_waitlist(
    uow: UnitOfWork,
    deps: Dependencies,
    repo: Repository,
    proposal: Proposal,
    *,
    year: int,
    quota: Quota,
) -> None:
    """A valid proposal: fund it if a slot is free, else put it on the waiting list."""
    if quota.has_free_slot:
        await _take_slot(uow, deps, repo, proposal, year=year, quota=quota, from_waitlist=False)
        return
    position = await repo.add_to_waiting_list(proposal, deps.now())
    proposal.status = Status.WAITLISTED
    observe_decision(deps, proposal)
    await repo.save_proposal(proposal)
    await uow.emit(
        ParticipantWaitlisted(
            participant_id=proposal.participant_id,
            correlation_id=proposal.correlation_id,
            causation_id=uow.causation_id,
            payload=WaitlistedPayload(
                proposal_id=proposal.proposal_id,
                position=position,
                welfare_decile=proposal.welfare_decile,
            ),
        )
    )
    deps.gauges.waiting(await repo.waiting_count())


async def admit_from_waiting_list(
    uow: UnitOfWork,
    deps: Dependencies,
    repo: Repository,
    year: int,
    quota: Quota,
    *,
    causation_id: uuid.UUID | None = None,
) -> Quota:
    """Fund waiting proposals, best priority first, while the (locked) quota has room.
    Each admission is caused by ``causation_id`` (default: the event being handled)."""
    while quota.has_free_slot:
        proposal = await repo.best_waiting()
        if proposal is None:
            break
        await repo.remove_from_waiting_list(proposal.proposal_id)
        # the admitted resident's journey goes on in its own trace, linked to the release
        with resident_trace(
            "admitted from the waiting list", proposal.participant_id, resume=proposal.journey_trace
        ):
            quota = await _take_slot(
                uow,
                deps,
                repo,
                proposal,
                year=year,
                quota=quota,
                from_waitlist=True,
                causation_id=causation_id,
            )
        log.info(
            "admitted from the waiting list", extra={"participant_id": proposal.participant_id}
        )
    deps.gauges.waiting(await repo.waiting_count())
    return quota


async def release_slot(
    deps: Dependencies, repo: Repository, participant_id: str, year: int, quota: Quota
) -> Quota:
    """Free the participant's slot of ``year`` (whose quota row the caller locked)."""
    await repo.remove_slot(participant_id)
    quota = quota.release()
    await repo.save_quota(year, quota)
    deps.gauges.quota(year, quota)
    return quota


async def check_quota(
    repo: Repository, deps: Dependencies, year: int, total: int
) -> tuple[Quota | None, Quota]:
    """Lock the year's quota row and check a new ``total``: (the row before, None if the year
    is new; the locked row). Lowering below the slots in use is refused (``QuotaBelowUsed``):
    slots are released only by deactivations, never by a budget edit. Lowering by more than
    ``deps.max_quota_cut_share`` of the year's total at once too (``QuotaCutTooLarge``)."""
    before = await repo.read_quota(year)
    current = await repo.lock_quota(year, initial_total=total)
    if total < current.used:
        raise QuotaBelowUsed(year=year, total=total, used=current.used)
    if before is not None and total < current.total:
        share = (current.total - total) / current.total
        if share > deps.max_quota_cut_share:
            raise QuotaCutTooLarge(
                year=year,
                total=total,
                previous_total=current.total,
                max_share=deps.max_quota_cut_share,
            )
    return before, current


async def apply_quota(
    uow: UnitOfWork,
    deps: Dependencies,
    year: int,
    total: int,
    *,
    before: Quota | None,
    current: Quota,
    causation_id: uuid.UUID | None = None,
) -> tuple[Quota, int]:
    """Write a checked total (``check_quota`` in this transaction); admit waiting proposals
    into new room. Returns (quota, admitted). ``app.quota_cuts`` calls it for a raise at
    once, and for a cut once a second verifier approved it.

    An act of the unit of work's actor (the Dinkes verifier who called ``PUT /quota``, or
    who approved a cut; ``causation_id`` is then the approval): the change and who made it
    are kept (``quota_changes``) and stated as ``QuotaChanged`` in this transaction; the
    residents it admits are ParticipantVerified facts caused by it.
    """
    actor = uow.actor
    if actor is None:
        raise ValueError("a quota is set by an authenticated actor (unit_of_work(actor=...))")
    repo = deps.repository(uow)
    quota = Quota(total=total, used=current.used)
    await repo.save_quota(year, quota)
    deps.gauges.quota(year, quota)
    stated = uuid.uuid4()  # the QuotaChanged's id: the cause of the admissions below
    admitted = quota
    if year == deps.budget_year():
        admitted = await admit_from_waiting_list(uow, deps, repo, year, quota, causation_id=stated)
    previous = current.total if before is not None else None
    count = admitted.used - quota.used
    await repo.record_quota_change(
        QuotaChange(year, previous, total, current.used, count, actor, stated)
    )
    await uow.emit(
        QuotaChanged(
            event_id=stated,
            correlation_id=uuid.uuid4(),  # an act of its own, not a resident's journey
            causation_id=causation_id,
            actor=actor,
            payload=QuotaChangedPayload(
                budget_year=year,
                previous_total=previous,
                total=total,
                used=current.used,
                admitted_from_waitlist=count,
            ),
        )
    )
    return admitted, count
