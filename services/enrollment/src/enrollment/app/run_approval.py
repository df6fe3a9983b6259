"""A previewed reconciliation run is applied by a second officer, or discarded (maker-checker).

Uploading a findings file or a snapshot stores its run as a preview and sends nothing. A
Dinsos officer other than the uploader (their actor ids differ: the pseudonym of the
token's issuer and subject, never a name) approves it: ``ReconciliationRunApproved`` (the
approver as actor, the uploader in the payload) is stated with the decision, and the
run's ``DeactivationRequested`` events follow in batches (``emit_run``), each caused by the
approval. Rejecting states ``ReconciliationRunRejected`` and nothing of the run is ever
sent; its requests stand in the way of no later run. A run is decided once.

A run of findings a system submitted on the bus (``submitted_by``: its maker is the system,
so any Dinsos officer is a second person) grows until it is decided: its share of the
current participants is checked when it is approved (``DEACTIVATION_SHARE_EXCEEDED``:
RunRefused, nothing decided or sent; the run stays open, to be rejected).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from jkn_bus.service import ServiceRuntime
from jkn_contracts import Actor, ReconciliationRunApproved, ReconciliationRunRejected
from jkn_contracts.events import ReconciliationRunDecidedPayload

from enrollment.app import two_person
from enrollment.app.ports import RunDecisions
from enrollment.app.reconciliation import emit_run
from enrollment.app.run_limits import RunLimits, check_share
from enrollment.app.run_ports import RunStores

__all__ = ["RUN", "Decided", "approve_run", "reject_run"]

# approved: its requests are emitted in batches (``emit_run``), then it is completed
RUN = two_person.ActKind(
    ReconciliationRunApproved, ReconciliationRunRejected, "preview", "emitting"
)


@dataclass(frozen=True)
class Decided:
    run_id: uuid.UUID
    status: str
    deactivations: int
    requests_emitted: int = 0


async def _decide(
    runtime: ServiceRuntime,
    store: RunDecisions,
    run_id: uuid.UUID,
    actor: Actor,
    *,
    approve: bool,
    limits: RunLimits | None = None,
) -> tuple[str, int]:
    async with runtime.unit_of_work(actor=actor) as uow:
        run, uploader = await two_person.open_act(
            RUN, store, uow.conn, run_id, maker_of=store.maker_of, checker=actor, approve=approve
        )
        planned = await store.planned(uow.conn, run_id)
        if approve and run["submitted_by"] is not None:  # it grew since its first preview
            participants = await store.count_participants(uow.conn)
            check_share(planned, participants, limits or RunLimits())
            await store.save_participants(uow.conn, run_id, participants)
        payload = ReconciliationRunDecidedPayload(
            run_id=run_id,
            kind="snapshot" if run["kind"] == "snapshot" else "findings",
            deactivations=planned,
            uploaded_by=uploader,
        )
        _, status = await two_person.close_act(
            RUN, store, uow, run_id, approve=approve, checker=actor, payload=payload
        )
    return status, planned


async def approve_run(
    runtime: ServiceRuntime,
    store: RunDecisions,
    run_id: uuid.UUID,
    actor: Actor,
    *,
    stores: RunStores,
    batch: int = 500,
    limits: RunLimits | None = None,
) -> Decided:
    """Apply a previewed run by ``actor``, who must not be its uploader (the two-person
    rule, ``app.two_person``: NotFound, AlreadyDecided, SamePerson); RunRefused when a
    system's run exceeds ``limits.max_deactivation_share``."""
    _, planned = await _decide(runtime, store, run_id, actor, approve=True, limits=limits)
    emitted = await emit_run(runtime, run_id, batch=batch, stores=stores)
    return Decided(run_id, "completed", planned, emitted)


async def reject_run(
    runtime: ServiceRuntime, store: RunDecisions, run_id: uuid.UUID, actor: Actor
) -> Decided:
    """Discard a previewed run (any Dinsos officer, its uploader too: nothing was sent)."""
    status, planned = await _decide(runtime, store, run_id, actor, approve=False)
    return Decided(run_id, status, planned)
