"""Use case: a participant leaves — Dinsos's DeactivationRequested, and how it meets BPJS's
answer to the tambah (docs/domain.md#withdrawal-races).

Dinsos's topic and BPJS's topic have no common order, and the gateway may be filing the
*tambah* of a ParticipantVerified while Dinsos asks the resident to leave. Whatever the
order, a resident Dinkes already verified ends deactivated at BPJS, never active there and
rejected here:

- pending or waiting (no ParticipantVerified sent): withdrawn, VerificationRejected
  ``WITHDRAWN_<REASON>``; BPJS is never asked to add them.
- verified (the tambah in flight): ``WITHDRAWING``, the slot still counted, the request
  remembered (``Withdrawal``). BPJS's answer decides: ParticipantActivated releases the
  slot (SlotReleased, so the gateway files the *kurang*, now that a card exists);
  RegistrationRefused releases it with nothing to undo.
- active: the slot is released at once (SlotReleased → *kurang*).

Each path releases the slot exactly once, under the quota row's lock, and refills it from
the waiting list in the same transaction.
"""

from __future__ import annotations

import logging
import uuid

from jkn_bus import UnitOfWork
from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
    ParticipantActivated,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.events import RejectedPayload, SlotReleasedPayload

from verification.app import slots
from verification.app.dependencies import Dependencies
from verification.app.model import SLOT_HOLDING_STATUSES, Proposal, Status, Withdrawal
from verification.app.ports import Repository
from verification.domain import Quota
from verification.domain.reasons import withdrawal

__all__ = ["on_deactivation_requested", "on_participant_activated", "refill", "release"]

log = logging.getLogger(__name__)


async def _lock_quotas(
    deps: Dependencies, repo: Repository, participant_id: str
) -> dict[int, Quota]:
    """Lock order: quota rows in year order (the slot's year, if any, then the current one:
    a refill takes from it, and an admission only ever takes a slot of the current year, so
    a proposal admitted since the slot's year was read holds a slot of a locked year)."""
    year = await repo.slot_year(participant_id)
    years = {deps.budget_year()} | ({year} if year is not None else set())
    return {
        y: await repo.lock_quota(y, initial_total=deps.initial_quota_total) for y in sorted(years)
    }


async def release(
    deps: Dependencies, repo: Repository, participant_id: str, status: Status
) -> tuple[Proposal, int, Quota] | None:
    """Free a participant's slot and set its proposal's new status; None if it holds none.
    Takes the quota locks, then the proposal's."""
    locked = await _lock_quotas(deps, repo, participant_id)
    proposal = await repo.open_proposal(participant_id, lock=True)
    if proposal is None or proposal.status not in SLOT_HOLDING_STATUSES:
        return None
    return await _release_locked(deps, repo, proposal, status, locked)


async def _release_locked(
    deps: Dependencies,
    repo: Repository,
    proposal: Proposal,
    status: Status,
    locked: dict[int, Quota],
) -> tuple[Proposal, int, Quota] | None:
    year = await repo.slot_year(proposal.participant_id)
    if year is None:
        log.warning("no slot to release", extra={"participant_id": proposal.participant_id})
        return None
    if year not in locked:  # not reached by the lock order above; safe if it were (see slots)
        locked[year] = await repo.lock_quota(year, initial_total=deps.initial_quota_total)
    quota = await slots.release_slot(deps, repo, proposal.participant_id, year, locked[year])
    proposal.status = status
    await repo.save_proposal(proposal)
    return proposal, year, quota


async def refill(
    uow: UnitOfWork, deps: Dependencies, repo: Repository, *, cause: uuid.UUID | None = None
) -> None:
    """In the same transaction as a release: admit the best waiting proposals. No button."""
    year = deps.budget_year()
    quota = await repo.lock_quota(year, initial_total=deps.initial_quota_total)  # held already
    await slots.admit_from_waiting_list(uow, deps, repo, year, quota, causation_id=cause)


async def _slot_released(
    uow: UnitOfWork,
    proposal: Proposal,
    quota: Quota,
    reason: DeactivationReason,
    cause: uuid.UUID,
) -> None:
    """SlotReleased caused by the DeactivationRequested (``cause``): the gateway files the
    kurang, Dinsos's report joins it to its request."""
    await uow.emit(
        SlotReleased(
            participant_id=proposal.participant_id,
            correlation_id=uow.correlation_id,
            causation_id=cause,
            payload=SlotReleasedPayload(
                reason=reason, quota_used=quota.used, quota_total=quota.total
            ),
        )
    )


async def on_deactivation_requested(
    uow: UnitOfWork, event: DeactivationRequested, *, deps: Dependencies
) -> None:
    """Dinsos asks that a participant leave; what happens depends on the proposal's status
    once it is locked (see the module's docstring)."""
    repo = deps.repository(uow)
    pid = event.participant_id
    if await repo.open_proposal(pid) is None:
        log.warning(
            "deactivation of a participant with no open proposal; ignored",
            extra={"participant_id": pid},
        )
        return
    locked = await _lock_quotas(deps, repo, pid)
    proposal = await repo.open_proposal(pid, lock=True)
    if proposal is None:
        return
    reason = event.payload.reason
    if proposal.status in (Status.CHECKING_COVERAGE, Status.WAITLISTED):
        await _withdraw(uow, deps, repo, proposal, reason)
    elif proposal.status is Status.VERIFIED:
        # ParticipantVerified is out: the gateway may be filing the tambah now. Remember the
        # request; BPJS's answer releases the slot (on_participant_activated, RegistrationRefused).
        proposal.status = Status.WITHDRAWING
        proposal.withdrawal = Withdrawal(reason, event.event_id)
        await repo.save_proposal(proposal)
        log.info(
            "deactivation waits for BPJS's answer to the tambah", extra={"participant_id": pid}
        )
    elif proposal.status is Status.ACTIVE:
        released = await _release_locked(
            deps, repo, proposal, Status.DEACTIVATION_REQUESTED, locked
        )
        if released is None:
            return
        _, year, quota = released
        await _slot_released(uow, proposal, quota, reason, event.event_id)
        log.info("slot of %d released", year, extra={"participant_id": pid})
        await refill(uow, deps, repo)
    else:  # WITHDRAWING: the first request is being carried out
        log.info("deactivation already under way; nothing more", extra={"participant_id": pid})


async def _withdraw(
    uow: UnitOfWork,
    deps: Dependencies,
    repo: Repository,
    proposal: Proposal,
    reason: DeactivationReason,
) -> None:
    """Pending or waiting, no ParticipantVerified sent: the proposal ends here, so Dinsos, the
    resident and the audit trail see it end (and the resident may be proposed again)."""
    if proposal.status is Status.WAITLISTED:
        await repo.remove_from_waiting_list(proposal.proposal_id)
        deps.gauges.waiting(await repo.waiting_count())
    proposal.status = Status.REJECTED
    proposal.reasons = [withdrawal(reason)]
    await repo.save_proposal(proposal)
    await uow.emit(
        VerificationRejected(
            participant_id=proposal.participant_id,
            correlation_id=proposal.correlation_id,
            causation_id=uow.causation_id,
            payload=RejectedPayload(proposal_id=proposal.proposal_id, reasons=proposal.reasons),
        )
    )
    log.info(
        "proposal withdrawn before it held a slot (%s)",
        reason.value,
        extra={"participant_id": proposal.participant_id},
    )


async def on_participant_activated(
    uow: UnitOfWork, event: ParticipantActivated, *, deps: Dependencies
) -> None:
    """BPJS activated a verified participant: it keeps its slot, now as an active one; a
    withdrawing one leaves at once (its slot released, the kurang filed by the gateway)."""
    repo = deps.repository(uow)
    pid = event.participant_id
    peek = await repo.open_proposal(pid)
    if peek is not None and peek.status is Status.WITHDRAWING:
        await _carry_out(uow, deps, repo, pid)
        return
    proposal = await repo.open_proposal(pid, lock=True)
    if proposal is not None and proposal.status is Status.WITHDRAWING:
        # Became so since the peek. Its quota locks follow the proposal's here; the request
        # that set it has committed, so no transaction holds a quota row and waits for this
        # one (a deadlock would be broken by Postgres and the event redelivered).
        await _carry_out(uow, deps, repo, pid)
        return
    if proposal is None or proposal.status is not Status.VERIFIED:
        log.warning(
            "activation of a participant not verified here; ignored",
            extra={"participant_id": pid},
        )
        return
    proposal.status = Status.ACTIVE
    await repo.save_proposal(proposal)


async def _carry_out(uow: UnitOfWork, deps: Dependencies, repo: Repository, pid: str) -> None:
    """The remembered DeactivationRequested, now that BPJS activated the resident."""
    released = await release(deps, repo, pid, Status.DEACTIVATION_REQUESTED)
    if released is None:
        return
    proposal, year, quota = released
    request = proposal.withdrawal
    assert request is not None, "a withdrawing proposal remembers its request"
    await _slot_released(uow, proposal, quota, request.reason, request.requested_by)
    log.info(
        "activated while withdrawing: slot of %d released", year, extra={"participant_id": pid}
    )
    await refill(uow, deps, repo, cause=request.requested_by)
