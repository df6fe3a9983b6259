"""Sending a run's deactivation requests: each request's ``DeactivationRequested``, written
to the outbox with the request marked emitted, in batches of one transaction each once a
second officer approved the run (``app.run_approval``), or one at a time for a request a
BPJS change caused (``app.reconciliation_handlers``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import resident_trace
from jkn_contracts import DeactivationReason, DeactivationRequested
from jkn_contracts.events import DeactivationRequestedPayload

from enrollment.app.run_ports import RunStores

__all__ = ["emit_requests", "emit_run", "request_event"]


def request_event(
    row: Mapping[str, Any] | asyncpg.Record,
    *,
    correlation_id: uuid.UUID,
    causation_id: uuid.UUID | None = None,
) -> DeactivationRequested:
    """The event of a request (a ``deactivation_requests`` row or a ``NewRequest``'s dict)."""
    return DeactivationRequested(
        event_id=row["event_id"],
        participant_id=row["participant_id"],
        correlation_id=correlation_id,
        causation_id=causation_id,
        payload=DeactivationRequestedPayload(
            reason=DeactivationReason(row["reason"]),
            evidence_ref=row["evidence_ref"],
            reported_by=row["reported_by"],
            kelurahan=row["kelurahan"],
            run_id=row["run_id"],
        ),
    )


async def emit_requests(
    uow: UnitOfWork,
    rows: Sequence[Mapping[str, Any]] | Sequence[asyncpg.Record],
    *,
    correlation_id: uuid.UUID,
    causation_id: uuid.UUID | None = None,
    batch: bool = True,
    stores: RunStores,
) -> None:
    """Write the requests' events and mark them emitted. The caller holds the
    participants' proposal row locks (or is the consumer handling their partition).

    A ``batch`` (a findings file, a snapshot run) starts each participant's deactivation
    trace, linked to the run's; a single request continues the trace of its cause."""
    for row in rows:
        event = request_event(row, correlation_id=correlation_id, causation_id=causation_id)
        if not batch:
            await uow.emit(event)
            continue
        with resident_trace(
            "deactivation requested",
            event.participant_id,
            attributes={"jkn.run_id": str(correlation_id)},
        ):
            await uow.emit(event)
    requests = stores.requests
    await requests.mark_emitted(uow.conn, [r["event_id"] for r in rows])


async def emit_run(
    runtime: ServiceRuntime, run_id: uuid.UUID, *, stores: RunStores, batch: int = 500
) -> int:
    """Emit an approved run's unemitted requests in batches, one transaction each; mark the
    run completed. A crash between batches leaves the rest unemitted: calling again (the
    same file uploaded again) finishes them, and an emitted request is never re-sent.

    Each request carries the approving officer as actor and their ReconciliationRunApproved
    as its cause (whoever finishes the emission)."""
    emitted = 0
    actor, cause = await stores.runs.emission_actor(runtime.pool, run_id)
    while True:
        async with runtime.unit_of_work(actor=actor) as uow:
            rows = await stores.requests.unemitted_batch(uow.conn, run_id, batch)
            if not rows:
                await stores.runs.finish_run(uow.conn, run_id)
                return emitted
            await stores.requests.lock_proposals(uow.conn, [r["participant_id"] for r in rows])
            await emit_requests(uow, rows, correlation_id=run_id, causation_id=cause, stores=stores)
            emitted += len(rows)
