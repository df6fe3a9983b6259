"""Event handlers of Dinas Kesehatan. Each runs inside the consumer's inbox transaction.

Why the BPJS look-up (docs/domain.md#rule-5) is an event request/response and not an HTTP
call to the gateway: see the service README. In short, ``CoverageCheckRequested`` survives a BPJS
outage in Kafka, the answer is itself an audited fact, and this consumer never blocks.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from jkn_bus import HandlerTable, UnitOfWork
from jkn_bus.personal_data import PersonalDataErased, skipped_erased
from jkn_bus.telemetry import current_trace_headers
from jkn_contracts import (
    CoverageCheckRequested,
    CoverageReported,
    DeactivationRequested,
    EventBase,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    RegistrationRefused,
    RejectionReason,
    Resident,
    ResidentDataErased,
    VerificationRejected,
)
from jkn_contracts.events import CoverageCheckRequestedPayload, RejectedPayload
from jkn_contracts.legacy import ParticipantRegisteredV1

from verification.app import slots
from verification.app.dependencies import Dependencies
from verification.app.leaving import (
    on_deactivation_requested,
    on_participant_activated,
    refill,
    release,
)
from verification.app.model import Proposal, Status
from verification.domain import BpjsMembership, Quota, coverage_check, local_checks

__all__ = [
    "bind_handlers",
    "on_coverage_reported",
    "on_deactivation_requested",
    "on_participant_activated",
    "on_participant_deactivated",
    "on_participant_registered",
    "on_registration_refused",
    "on_resident_data_erased",
]

log = logging.getLogger(__name__)


async def on_participant_registered(
    uow: UnitOfWork,
    event: ParticipantRegistered | ParticipantRegisteredV1,
    *,
    deps: Dependencies,
) -> None:
    """Rules 1-4 and 6; if they pass, ask BPJS (through the gateway) for rule 5
    (docs/domain.md#verification-rules).

    A resident erased before Dinkes read the proposal (their key destroyed) is skipped:
    counted as ``ERASED``, nothing stored, nothing asked."""
    repo = deps.repository(uow)
    payload = event.payload
    try:
        sealed = await deps.sealer.open(uow.conn, event)
    except PersonalDataErased:
        skipped_erased(log, "verification", event, "skipped: no proposal stored")
        return
    resident = Resident(**sealed.model_dump())
    nik = resident.nik
    civil = await deps.civil_registry(uow).lookup(nik)
    dtks = await deps.welfare_registry(uow).lookup(nik)
    duplicate = await repo.has_open_proposal(event.participant_id, excluding=payload.proposal_id)
    reasons = local_checks(
        resident,
        civil=civil,
        dtks=dtks,
        duplicate=duplicate,
        policy=deps.policy,
        today=deps.today(),
    )
    proposal = Proposal(
        proposal_id=payload.proposal_id,
        participant_id=event.participant_id,
        correlation_id=event.correlation_id,
        resident=resident,
        registered_at=event.occurred_at,
        # The registry's decile, not the form's: it decides the waiting-list priority.
        welfare_decile=dtks.decile if dtks is not None else payload.welfare_decile,
        status=Status.REJECTED if reasons else Status.CHECKING_COVERAGE,
        reasons=reasons,
        journey_trace=current_trace_headers(),
    )
    request_id, sealed_nik = await deps.sealer.seal(
        uow.conn, CoverageCheckRequested, event.participant_id, {"nik": nik}
    )
    request = uow.new_event(
        CoverageCheckRequested,
        event_id=request_id,
        participant_id=event.participant_id,
        payload=CoverageCheckRequestedPayload(personal=sealed_nik, check_date=deps.today()),
    )
    if reasons:
        slots.observe_decision(deps, proposal)
    else:
        proposal.coverage_request_id = request.event_id
    if not await repo.add_proposal(proposal):
        log.warning(
            "proposal already received; ignored", extra={"participant_id": event.participant_id}
        )
        return
    if reasons:
        await _reject(uow, proposal, reasons)
    else:
        await uow.emit(request)


async def _reject(uow: UnitOfWork, proposal: Proposal, reasons: list[RejectionReason]) -> None:
    await uow.emit(
        VerificationRejected(
            participant_id=proposal.participant_id,
            correlation_id=proposal.correlation_id,
            causation_id=uow.causation_id,
            payload=RejectedPayload(proposal_id=proposal.proposal_id, reasons=reasons),
        )
    )


async def on_coverage_reported(
    uow: UnitOfWork, event: CoverageReported, *, deps: Dependencies
) -> None:
    """Rule 5 on BPJS's answer; then rule 7: a slot, or the waiting list
    (docs/domain.md#rule-5, docs/domain.md#rule-7).

    The proposal is read once, locked. The answer decides whether the quota row is needed,
    and the quota row is locked before the proposal row (the lock order, ``app.ports``), so
    a stale answer (or one about no proposal here) takes the quota lock for nothing: rare,
    and cheaper than reading every proposal twice (once unlocked to rule stale ones out)."""
    repo = deps.repository(uow)
    membership = event.payload.membership
    reasons = coverage_check(
        BpjsMembership.from_contract(membership) if membership is not None else None, deps.policy
    )
    year = deps.budget_year()
    quota: Quota | None = None
    if not reasons:  # lock order: the quota row before the proposal row
        quota = await repo.lock_quota(year, initial_total=deps.initial_quota_total)
    proposal = await repo.open_proposal(event.participant_id, lock=True)
    if proposal is None or not _answers(proposal, event):
        log.warning(
            "coverage report matches no pending request; ignored",
            extra={"participant_id": event.participant_id},
        )
        return
    if quota is None:
        proposal.status = Status.REJECTED
        proposal.reasons = reasons
        slots.observe_decision(deps, proposal)
        await repo.save_proposal(proposal)
        await _reject(uow, proposal, reasons)
        return
    await slots.verify_or_waitlist(uow, deps, repo, proposal, year=year, quota=quota)


def _answers(proposal: Proposal | None, event: CoverageReported) -> bool:
    """Is ``event`` the answer to this proposal's own coverage request (not a stale one)?"""
    return (
        proposal is not None
        and proposal.status is Status.CHECKING_COVERAGE
        and proposal.coverage_request_id is not None
        and proposal.coverage_request_id == event.causation_id
    )


async def on_registration_refused(
    uow: UnitOfWork, event: RegistrationRefused, *, deps: Dependencies
) -> None:
    """BPJS refused to add a verified participant: the slot goes to the next in line."""
    if event.payload.mutation != "tambah":
        return
    repo = deps.repository(uow)
    released = await release(deps, repo, event.participant_id, Status.REFUSED)
    if released is None:
        return
    proposal, _, _ = released
    proposal.reasons = [
        RejectionReason(
            code="BPJS_REGISTRATION_REFUSED",
            message=f"Pendaftaran ditolak BPJS Kesehatan (kode {event.payload.bpjs_code}).",
        )
    ]
    await repo.save_proposal(proposal)
    await refill(uow, deps, repo)


async def on_participant_deactivated(
    uow: UnitOfWork, event: ParticipantDeactivated, *, deps: Dependencies
) -> None:
    """BPJS confirmed the end of coverage: record it (the slot was freed on request)."""
    repo = deps.repository(uow)
    for proposal in await repo.proposals_of(event.participant_id):
        if proposal.status is Status.DEACTIVATION_REQUESTED:
            proposal.status = Status.DEACTIVATED
            await repo.save_proposal(proposal)
            return
    log.warning(
        "deactivation confirmed without a request here; recorded nothing",
        extra={"participant_id": event.participant_id},
    )


async def on_resident_data_erased(
    uow: UnitOfWork, event: ResidentDataErased, *, deps: Dependencies
) -> None:
    """Dinas Sosial erased the resident (their key destroyed): forget Dinkes's copies of
    their personal fields (the proposals' sealed resident, the reference registries' rows)
    in this transaction; statuses, reasons and decisions stay. Idempotent (a redelivery
    erases nothing more)."""
    erased = await deps.repository(uow).erase_resident(event.participant_id)
    log.info(
        "resident erased",
        extra={"participant_id": event.participant_id, "proposals": erased},
    )


def bind_handlers(deps: Dependencies) -> HandlerTable:
    """The consumer's handler table by event class, each handler bound to ``deps``."""
    table: dict[type[EventBase], Callable[..., Awaitable[None]]] = {
        ParticipantRegistered: on_participant_registered,
        CoverageReported: on_coverage_reported,
        ParticipantActivated: on_participant_activated,
        RegistrationRefused: on_registration_refused,
        DeactivationRequested: on_deactivation_requested,
        ParticipantDeactivated: on_participant_deactivated,
        ResidentDataErased: on_resident_data_erased,
    }
    return {event: functools.partial(handler, deps=deps) for event, handler in table.items()}
