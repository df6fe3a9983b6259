"""Quarterly reconciliation, kelurahan side: a findings file becomes deactivation requests.

A run is identified by its file's fingerprint: the same file uploaded again is the same
run and changes nothing. A findings file is small (hundreds of rows), so the whole run —
the run row, its line errors, its requests and their ``DeactivationRequested`` events —
is ONE transaction: all of it happens, or none of it. The run row keeps who uploaded the
file (the caller's actor); every request of the run carries that actor, also when a later
upload of the same file finishes a crashed emission.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg
from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import resident_trace
from jkn_contracts import Actor, DeactivationReason, DeactivationRequested, participant_id_for
from jkn_contracts.events import DeactivationRequestedPayload

from enrollment.adapters import reconciliation as store
from enrollment.domain import HeaderError, ImportReport, LineError, iter_rows
from enrollment.domain.findings import FINDING_FIELDS, Finding, run_fingerprint, validate_finding

__all__ = [
    "FileRejected",
    "RunOutcome",
    "apply_findings",
    "emit_requests",
    "emit_run",
    "header_errors",
]

_ENCODING = LineError(
    1,
    "file",
    "ENCODING",
    "The file is not UTF-8 text; save it as 'CSV UTF-8'. / "
    "Berkas bukan teks UTF-8; simpan sebagai 'CSV UTF-8'.",
)


class FileRejected(Exception):
    """The file cannot be read at all (header, encoding): nothing of it was applied."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.rule}" for e in errors))
        self.errors = list(errors)


def header_errors(exc: HeaderError) -> FileRejected:
    return FileRejected([LineError(1, e.field, e.rule, e.message) for e in exc.errors])


@dataclass
class RunOutcome:
    """What an upload did: a new run, or the earlier run of the same file."""

    run_id: uuid.UUID
    already_applied: bool
    rows_read: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    requests_emitted: int = 0
    errors: list[LineError] = field(default_factory=list)
    warnings: list[LineError] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


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
    await store.mark_emitted(uow.conn, [r["event_id"] for r in rows])


async def emit_run(runtime: ServiceRuntime, run_id: uuid.UUID, *, batch: int = 500) -> int:
    """Emit the run's unemitted requests in batches, one transaction each; mark the run
    completed. A crash between batches leaves the rest unemitted: calling again (the
    same file uploaded again) finishes them, and an emitted request is never re-sent."""
    emitted = 0
    actor = await store.run_actor(runtime.pool, run_id)  # who uploaded it, not who finishes it
    while True:
        async with runtime.unit_of_work(actor=actor) as uow:
            rows = await store.unemitted_batch(uow.conn, run_id, batch)
            if not rows:
                await store.finish_run(uow.conn, run_id)
                return emitted
            await store.lock_proposals(uow.conn, [r["participant_id"] for r in rows])
            await emit_requests(uow, rows, correlation_id=run_id)
            emitted += len(rows)


def _read_findings(content: bytes) -> tuple[ImportReport, list[tuple[int, Finding]], int]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRejected([_ENCODING]) from None
    report, findings, read = ImportReport(), [], 0
    try:
        for line, row in iter_rows(
            io.StringIO(text, newline=""), required=FINDING_FIELDS, known=FINDING_FIELDS
        ):
            read += 1
            finding = report.record(line, validate_finding(row), surplus=row.surplus)
            if finding is not None:
                findings.append((line, finding))
    except HeaderError as exc:
        raise header_errors(exc) from None
    return report, findings, read


def _not_a_participant(line: int) -> LineError:
    return LineError(
        line,
        "nik",
        "NOT_A_PARTICIPANT",
        "No current proposal or participant has this NIK. / "
        "Tidak ada usulan atau peserta aktif dengan NIK ini.",
    )


def _already_requested(line: int) -> LineError:
    return LineError(
        line,
        "nik",
        "ALREADY_REQUESTED",
        "A deactivation of this participant was already requested. / "
        "Penonaktifan peserta ini sudah pernah diajukan.",
    )


class OutsideKelurahan(Exception):
    """Rows of a kelurahan other than the submitting operator's: nothing is applied."""

    def __init__(self, lines: Sequence[int]) -> None:
        super().__init__(f"{len(lines)} rows outside the caller's kelurahan")
        self.lines = list(lines)


async def apply_findings(
    runtime: ServiceRuntime,
    content: bytes,
    *,
    only_kelurahan: str | None = None,
    actor: Actor | None = None,
) -> RunOutcome:
    """Apply a kelurahan findings file (columns nik,reason,evidence_ref,officer,kelurahan).

    Raises FileRejected when the file cannot be read, OutsideKelurahan when
    ``only_kelurahan`` is given (a kelurahan operator's upload) and a row names another.
    Otherwise every valid row naming a current participant becomes a DeactivationRequested
    (correlation_id = the run id); the others are reported by line, field and rule.
    ``actor``: who uploaded the file (kept with the run, carried by its requests).
    """
    fingerprint = run_fingerprint(content)
    report, findings, read = _read_findings(content)
    if only_kelurahan is not None:
        foreign = [line for line, f in findings if f.kelurahan != only_kelurahan]
        if foreign:
            raise OutsideKelurahan(foreign)
    key = runtime.settings.jkn_pseudonym_key
    run_id = uuid.uuid4()
    async with runtime.unit_of_work(actor=actor) as uow:
        if not await store.create_run(uow.conn, run_id, "findings", fingerprint, actor=actor):
            earlier = await store.find_run(uow.conn, "findings", fingerprint)
            assert earlier is not None
            return RunOutcome(earlier["run_id"], already_applied=True)
        by_pid = {participant_id_for(f.nik, key): (line, f) for line, f in findings}
        current = await store.current_proposals(uow.conn, by_pid, store.FINDINGS_STATUSES)
        requested = await store.requested_before(uow.conn, current)
        errors = list(report.errors)
        requests = []
        for pid, (line, finding) in by_pid.items():
            if pid not in current:
                errors.append(_not_a_participant(line))
            elif pid in requested:
                errors.append(_already_requested(line))
            else:
                requests.append(
                    store.NewRequest(
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
        stored = await store.add_requests(uow.conn, requests)
        await emit_requests(
            uow, [asdict(r) for r in requests if r.event_id in stored], correlation_id=run_id
        )
        errors.sort(key=lambda e: (e.line, e.field))
        await store.insert_errors(uow.conn, run_id, errors)
        invalid = report.rejected + report.duplicates
        await store.save_counts(uow.conn, run_id, read=read, valid=report.accepted, invalid=invalid)
        await store.finish_run(uow.conn, run_id)
    return RunOutcome(
        run_id,
        already_applied=False,
        rows_read=read,
        rows_valid=report.accepted,
        rows_invalid=invalid,
        requests_emitted=len(stored),
        errors=errors,
        warnings=list(report.warnings),
    )
