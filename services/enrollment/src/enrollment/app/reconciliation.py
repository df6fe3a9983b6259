"""Quarterly reconciliation, kelurahan side: a findings file becomes deactivation requests.

A run is identified by its file's fingerprint: the same file uploaded again is the same
run and changes nothing. A findings file is small (hundreds of rows), so its preview —
the run row, its line errors, its requests (stored, not sent) and the
``ReconciliationRunPreviewed`` fact naming the uploader — is ONE transaction: all of it
happens, or none of it. A file with no rows, cut mid-row, or deactivating more than the
allowed share of participants is refused and nothing is stored (``app.run_limits``).

Nothing is sent until a second Dinsos officer approves the run (``app.run_approval``): then
its ``DeactivationRequested`` events are emitted in batches (``emit_run``), each carrying
the approver as actor and the approval as its cause, also when a later upload of the same
file finishes a crashed emission.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_contracts import (
    Actor,
    DeactivationReason,
    ReconciliationRunPreviewed,
    participant_id_for,
)
from jkn_contracts.events import ReconciliationRunPreviewedPayload

from enrollment.app.findings_file import (
    OutsideKelurahan,
    already_requested,
    not_a_participant,
    read_findings,
)
from enrollment.app.run_emission import emit_requests, emit_run, request_event
from enrollment.app.run_limits import RunLimits, check_share
from enrollment.app.run_ports import NewRequest, RunStores
from enrollment.domain import LineError
from enrollment.domain.findings import run_fingerprint
from enrollment.domain.status import FINDINGS_STATUSES

__all__ = [
    "RunOutcome",
    "apply_findings",
    "emit_requests",
    "emit_run",
    "request_event",
    "resume",
    "state_preview",
    "state_previewed",
]


@dataclass
class RunOutcome:
    """What an upload did: a new run (a preview), or the earlier run of the same file."""

    run_id: uuid.UUID
    already_applied: bool
    status: str = "preview"
    deactivations: int = 0
    rows_read: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    requests_emitted: int = 0
    errors: list[LineError] = field(default_factory=list)
    warnings: list[LineError] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


async def state_preview(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    kind: str,
    *,
    rows_read: int,
    participants: int,
    limits: RunLimits,
    stores: RunStores,
) -> int:
    """Check the run's share of deactivations (RunRefused beyond it: the caller's transaction
    rolls back), keep the base it was checked against and state ReconciliationRunPreviewed
    (by the unit of work's actor, the uploader). Returns the deactivations planned."""
    by_reason = await stores.runs.planned_by_reason(uow.conn, run_id)
    check_share(sum(by_reason.values()), participants, limits)
    return await state_previewed(
        uow,
        run_id,
        kind,
        rows_read=rows_read,
        participants=participants,
        by_reason=by_reason,
        stores=stores,
    )


async def state_previewed(
    uow: UnitOfWork,
    run_id: uuid.UUID,
    kind: str,
    *,
    rows_read: int,
    participants: int,
    by_reason: Mapping[str, int] | None = None,
    stores: RunStores,
) -> int:
    """Keep the base the run's share is computed against and state ReconciliationRunPreviewed
    as the run now stands (by the unit of work's actor: the uploader, or the system whose
    submitted finding joined the run). Returns the deactivations planned."""
    if by_reason is None:
        by_reason = await stores.runs.planned_by_reason(uow.conn, run_id)
    planned = sum(by_reason.values())
    await stores.runs.save_participants(uow.conn, run_id, participants)
    if uow.actor is not None:  # an authenticated caller's act (always: HTTP, a system)
        await uow.emit(
            ReconciliationRunPreviewed(
                correlation_id=run_id,
                actor=uow.actor,
                payload=ReconciliationRunPreviewedPayload(
                    run_id=run_id,
                    kind="snapshot" if kind == "snapshot" else "findings",
                    rows_read=rows_read,
                    deactivations=planned,
                    by_reason={DeactivationReason(r): n for r, n in by_reason.items()},
                    participants=participants,
                ),
            )
        )
    return planned


async def apply_findings(
    runtime: ServiceRuntime,
    content: bytes,
    *,
    only_kelurahan: str | None = None,
    actor: Actor | None = None,
    limits: RunLimits | None = None,
    stores: RunStores,
) -> RunOutcome:
    """Preview a kelurahan findings file (columns nik,reason,evidence_ref,officer,kelurahan).

    Raises FileRejected when the file cannot be read, RunRefused when it has no rows, was
    cut mid-row or would deactivate more than ``limits.max_deactivation_share`` of the
    current participants, OutsideKelurahan when ``only_kelurahan`` is given (a kelurahan
    operator's upload) and a row names another: nothing is stored. Otherwise every valid row
    naming a current participant becomes a stored deactivation request, sent only once
    another officer approves the run; the others are reported by line, field and rule.
    ``actor``: who uploaded the file (kept with the run, the actor of its preview fact).
    The same file again answers its earlier run (finishing an approved run's emission a
    crash interrupted). ``stores``: those ``bootstrap`` wired.
    """
    limits = limits or RunLimits()
    fingerprint = run_fingerprint(content)
    report, findings, read = read_findings(content, max_cell_chars=limits.max_cell_chars)
    if only_kelurahan is not None:
        foreign = [line for line, f in findings if f.kelurahan != only_kelurahan]
        if foreign:
            raise OutsideKelurahan(foreign)
    key = runtime.settings.jkn_pseudonym_key
    run_id = uuid.uuid4()
    async with runtime.unit_of_work(actor=actor) as uow:
        if not await stores.runs.create_run(uow.conn, run_id, "findings", fingerprint, actor=actor):
            earlier = await stores.runs.find_run(uow.conn, "findings", fingerprint)
            assert earlier is not None
        else:
            earlier = None
            by_pid = {participant_id_for(f.nik, key): (line, f) for line, f in findings}
            current = await stores.requests.current_proposals(uow.conn, by_pid, FINDINGS_STATUSES)
            requested = await stores.requests.requested_before(uow.conn, current)
            errors = list(report.errors)
            requests = []
            for pid, (line, finding) in by_pid.items():
                if pid not in current:
                    errors.append(not_a_participant(line))
                elif pid in requested:
                    errors.append(already_requested(line))
                else:
                    requests.append(
                        NewRequest(
                            participant_id=pid,
                            proposal_id=current[pid]["proposal_id"],
                            reason=finding.reason.value,
                            evidence_ref=finding.evidence_ref,
                            reported_by=finding.officer,
                            kelurahan=finding.kelurahan,
                            run_id=run_id,
                            line=line,
                        )
                    )
            await stores.requests.add_requests(uow.conn, requests)
            planned = await state_preview(
                uow,
                run_id,
                "findings",
                rows_read=read,
                participants=await stores.runs.count_participants(uow.conn),
                limits=limits,
                stores=stores,
            )
            errors.sort(key=lambda e: (e.line, e.field))
            await stores.runs.insert_errors(uow.conn, run_id, errors)
            invalid = report.rejected + report.duplicates
            await stores.runs.save_counts(
                uow.conn, run_id, read=read, valid=report.accepted, invalid=invalid
            )
    if earlier is not None:
        return await resume(runtime, earlier, stores=stores)
    return RunOutcome(
        run_id,
        already_applied=False,
        rows_read=read,
        rows_valid=report.accepted,
        rows_invalid=invalid,
        deactivations=planned,
        errors=errors,
        warnings=list(report.warnings),
    )


async def resume(
    runtime: ServiceRuntime, earlier: Any, *, batch: int = 500, stores: RunStores
) -> RunOutcome:
    """The same file uploaded again: its earlier run, whose emission is finished if it was
    approved and a crash interrupted it (nothing is sent for a preview or a rejected run)."""
    run_id = earlier["run_id"]
    emitting = earlier["status"] == "emitting"
    resumed = await emit_run(runtime, run_id, batch=batch, stores=stores) if emitting else 0
    status = "completed" if emitting else earlier["status"]
    return RunOutcome(
        run_id,
        already_applied=True,
        status=status,
        requests_emitted=resumed,
        details={"resumed_emission": resumed} if resumed else {},
    )
