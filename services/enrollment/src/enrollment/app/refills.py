"""Refills of freed quota from an approved snapshot's candidates, in batches a second Dinsos
officer approves (maker-checker, ``app.two_person``; ISSUE 11 item 4: an act with mass
effect needs a second person).

1. An officer asks for a batch (``request_batch``): the run's best candidates (lowest decile,
   then the snapshot's order) up to ``limit``, leaving out those in another pending batch, are
   stored as a pending batch. Nobody is proposed, nothing is sent; the officer (the maker)
   is kept with the batch. More than ``ENROLLMENT_MAX_REFILL_BATCH`` at once is refused
   (RunRefused REFILL_BATCH_TOO_LARGE), and so is a batch with nobody left (NoCandidates).
2. Another officer approves it (``decide_batch``): in one transaction the batch's row is
   locked, the two-person rule checked, ``RefillBatchApproved`` stated (the checker as actor,
   the maker in its payload) and each candidate still to propose proposed as a registry
   refill: ParticipantRegistered (source registry_refill) with the maker as actor and the
   approval as cause. A candidate proposed meanwhile by other means (an open proposal of the
   same resident) is marked already proposed. Or any officer rejects it
   (``RefillBatchRejected``): nobody of it is proposed, its candidates are free again.

A batch is decided once: the second approval finds it decided (AlreadyDecided), so its
residents are proposed exactly once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import resident_trace
from jkn_contracts import Actor, ProposalSource, RefillBatchApproved, RefillBatchRejected
from jkn_contracts.events import RefillBatchDecidedPayload

from enrollment.app import two_person
from enrollment.app.ports import RefillBatches
from enrollment.app.proposals import new_proposal, registered_event
from enrollment.app.run_limits import RunLimits, RunRefused
from enrollment.app.snapshots import REFILL_PROPOSER
from enrollment.domain import Proposal
from enrollment.settings import candidate_columns

__all__ = ["REFILL", "BatchDecided", "NoCandidates", "decide_batch", "request_batch"]

REFILL = two_person.ActKind(RefillBatchApproved, RefillBatchRejected, "pending", "approved")


class NoCandidates(Exception):
    """Every candidate of the run is proposed or in a pending batch: nothing to ask for."""


@dataclass(frozen=True)
class BatchDecided:
    batch_id: uuid.UUID
    status: str
    residents: int
    proposed: list[dict[str, str]]
    already_proposed: int


async def request_batch(
    runtime: ServiceRuntime,
    store: RefillBatches,
    run_id: uuid.UUID,
    limit: int,
    actor: Actor,
    *,
    limits: RunLimits | None = None,
) -> uuid.UUID:
    """Store a pending batch of the run's best ``limit`` free candidates asked for by
    ``actor``; its id. Raises RunRefused (REFILL_BATCH_TOO_LARGE), NoCandidates."""
    limits = limits or RunLimits()
    if limit > limits.max_refill_batch:
        raise RunRefused(
            "REFILL_BATCH_TOO_LARGE",
            "Propose at most the allowed number of candidates at once. / "
            "Usulkan kandidat paling banyak sesuai batas per kali.",
            {"limit": limit, "max_refill_batch": limits.max_refill_batch},
        )
    batch_id = uuid.uuid4()
    async with runtime.unit_of_work(actor=actor) as uow:
        if not await store.create(uow.conn, batch_id, run_id, limit, actor):
            raise NoCandidates  # rolls the empty batch back
    return batch_id


async def decide_batch(
    runtime: ServiceRuntime,
    store: RefillBatches,
    batch_id: uuid.UUID,
    checker: Actor,
    *,
    approve: bool,
    receipt_key: str,
) -> BatchDecided:
    """Approve (propose its residents) or reject a pending batch, by ``checker``: the
    two-person rule (NotFound, AlreadyDecided, SamePerson when approving one's own).
    ``receipt_key``: the service's (``EnrollmentSettings.receipt_key``), for the residents'
    receipt codes."""
    async with runtime.unit_of_work(actor=checker) as uow:
        row, maker = await two_person.open_act(
            REFILL,
            store,
            uow.conn,
            batch_id,
            maker_of=store.maker_of,
            checker=checker,
            approve=approve,
        )
        run_id: uuid.UUID = row["run_id"]
        residents = len(await store.members(uow.conn, batch_id))
        personal = candidate_columns(runtime.settings.database_url)
        rows = await store.to_propose(uow.conn, batch_id, personal) if approve else []
        key = runtime.settings.jkn_pseudonym_key
        news = [
            new_proposal(
                _proposal(r),
                proposed_by=REFILL_PROPOSER,
                pseudonym_key=key,
                receipt_key=receipt_key,
                actor=maker,
            )
            for r in rows
        ]
        # the proposals' rows stay locked until commit: the relay sends their facts in order
        inserted = await store.insert_many(uow.conn, news)
        made = [n for n in news if n.proposal_id in inserted]
        payload = RefillBatchDecidedPayload(
            batch_id=batch_id,
            run_id=run_id,
            residents=residents,
            proposed=len(made),
            requested_by=maker,
        )
        decision, status = await two_person.close_act(
            REFILL, store, uow, batch_id, approve=approve, checker=checker, payload=payload
        )
        for new in made:
            with resident_trace(
                "registry refill proposed",
                new.participant_id,
                attributes={"jkn.run_id": str(run_id), "jkn.refill_batch_id": str(batch_id)},
            ):
                await uow.emit(await registered_event(uow, new, causation_id=decision.event_id))
        already = [n.participant_id for n in news if n.proposal_id not in inserted]
        if news:
            await store.mark_candidates(
                uow.conn, run_id, {n.participant_id: n.proposal_id for n in made}, already
            )
    return BatchDecided(
        batch_id,
        status,
        residents,
        [
            {
                "participant_id": n.participant_id,
                "proposal_id": str(n.proposal_id),
                "welfare_decile": str(n.proposal.welfare_decile),
            }
            for n in made
        ],
        len(already),
    )


def _proposal(row: Any) -> Proposal:
    return Proposal(
        nik=row["nik"],
        kk=row["kk"],
        name=row["name"],
        sex=row["sex"],
        birth_date=row["birth_date"],
        kelurahan=row["kelurahan"],
        source=ProposalSource.REGISTRY_REFILL,
        welfare_decile=row["welfare_decile"],
    )
