"""HTTP API of the quarterly reconciliation: findings files, registry snapshots, reports.

Uploads are CSV, as a multipart field ``file`` or as the raw body. The file's
fingerprint identifies the run: 201 for a new run, 200 with ``already_applied`` for a
file seen before. Errors name the line, field and rule, never the value.

A new run is a preview (who would lose coverage, by reason and kelurahan) and sends
nothing: ``POST /runs/{id}/approve`` by another Dinsos officer applies it (the uploader:
403 SAME_PERSON), ``POST /runs/{id}/reject`` discards it. A file that must not be applied
whoever approves it (no rows, cut off, too few rows, too many deactivations) is refused:
422 with its ``rule``, nothing stored (``app.run_limits``).
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.field_errors import FieldError
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.unit_of_work import actor_of
from jkn_contracts.access import Scope

from enrollment.adapters import run_outcomes
from enrollment.adapters import snapshots as snapshot_sql
from enrollment.app.reconciliation import (
    FileRejected,
    OutsideKelurahan,
    RunOutcome,
    apply_findings,
)
from enrollment.app.run_approval import (
    NotAPreview,
    RunNotFound,
    SamePerson,
    approve_run,
    reject_run,
)
from enrollment.app.run_limits import RunLimits, RunRefused
from enrollment.app.run_report import (
    approval_of,
    build_report,
    preview_of,
    request_rows,
    requests_csv,
)
from enrollment.app.snapshots import SnapshotSettings, apply_snapshot, propose_candidates
from enrollment.domain import LineError
from enrollment.entrypoints.bodies import FINDINGS_CSV, SNAPSHOT_CSV
from enrollment.entrypoints.uploads import spool_upload, upload_blocks

__all__ = ["router"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


def _line_errors(errors: list[LineError]) -> list[dict[str, Any]]:
    return [e.as_json() for e in errors]


def _error(status: int, field: str, rule: str, message: str) -> JSONResponse:
    return errors_response(status, [FieldError(field, rule, message)])


_NO_FILE = (
    "file",
    "REQUIRED",
    "Send the CSV as field 'file' or as the body. / Kirim CSV di kolom 'file' atau sebagai isi.",
)


def _limits(request: Request) -> RunLimits:
    """The app's limits (``app.state.run_limits``), read from the environment on first use
    (ENROLLMENT_MAX_DEACTIVATION_SHARE, ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO,
    ENROLLMENT_MAX_REFILL_BATCH)."""
    limits: RunLimits | None = getattr(request.app.state, "run_limits", None)
    if limits is None:
        limits = request.app.state.run_limits = RunLimits.from_env()
    return limits


def _refused(exc: RunRefused, field: str = "file") -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "error": "RUN_REFUSED",
            "rule": exc.rule,
            "message": exc.message,
            **exc.details,
            "errors": [{"field": field, "rule": exc.rule, "message": exc.message}],
        },
    )


async def _preview(request: Request, run_id: uuid.UUID) -> dict[str, Any]:
    run = await _run(request, run_id)
    rows = await request_rows(runtime_of(request).pool, run_id)
    return {"preview": preview_of(run, rows), "approval": approval_of(run)}


async def _outcome(request: Request, outcome: RunOutcome) -> JSONResponse:
    url = f"/reconciliation/runs/{outcome.run_id}"
    shown = await _preview(request, outcome.run_id)
    if outcome.already_applied:
        return JSONResponse(
            status_code=200,
            content={
                "run_id": str(outcome.run_id),
                "already_applied": True,
                "status": outcome.status,
                "report_url": url,
                **shown,
                **outcome.details,
            },
        )
    return JSONResponse(
        status_code=201,
        content={
            "run_id": str(outcome.run_id),
            "already_applied": False,
            "status": outcome.status,
            "report_url": url,
            **shown,
            "rows": {
                "read": outcome.rows_read,
                "valid": outcome.rows_valid,
                "invalid": outcome.rows_invalid,
            },
            "requests_emitted": outcome.requests_emitted,
            "errors": _line_errors(outcome.errors),
            "warnings": _line_errors(outcome.warnings),
            **outcome.details,
        },
    )


@router.post("/findings", status_code=201, openapi_extra=FINDINGS_CSV)
async def upload_findings(request: Request, caller: Caller) -> JSONResponse:
    """A kelurahan findings file (nik,reason,evidence_ref,officer,kelurahan): each valid
    row naming a current participant becomes a deactivation request of the run's preview,
    sent once another Dinsos officer approves it. 201 for a new run, 200
    ``already_applied`` for the same file again; 422 ``rule`` for a refused file.
    A kelurahan operator sends their own kelurahan's rows only (403 OUTSIDE_KELURAHAN
    with the line numbers otherwise; nothing applied)."""
    content = bytearray()  # its size is bounded by ENROLLMENT_FINDINGS_MAX_BYTES (413 beyond)
    async for block in upload_blocks(request):
        content += block
    if not content:
        return _error(422, *_NO_FILE)
    own = None if caller.scope is Scope.ALL else caller.kelurahan or "-"
    try:
        outcome = await apply_findings(
            runtime_of(request),
            bytes(content),
            only_kelurahan=own,
            actor=actor_of(caller),
            limits=_limits(request),
        )
    except FileRejected as exc:
        return errors_response(422, exc.errors)
    except RunRefused as exc:
        return _refused(exc)
    except OutsideKelurahan as exc:
        return JSONResponse(
            status_code=403,
            content={"error": "FORBIDDEN", "reason": "OUTSIDE_KELURAHAN", "lines": exc.lines},
        )
    return await _outcome(request, outcome)


@router.post("/snapshots", status_code=201, openapi_extra=SNAPSHOT_CSV)
async def upload_snapshot(request: Request, caller: Caller) -> JSONResponse:
    """A DTKS/DTSEN snapshot (nik,kk,name,sex,birth_date,kelurahan,welfare_decile), up to
    a million rows: diffed against the participants (tidak_ditemukan, mampu) into a
    preview, sent once another Dinsos officer approves it, and kept as refill candidates.
    Bad lines are counted and reported; a bad header is a 422, a refused file 422 ``rule``."""
    spooled = await spool_upload(request, prefix="jkn-snapshot-")
    if spooled is None:
        return _error(422, *_NO_FILE)
    path, _ = spooled
    try:
        settings: SnapshotSettings = request.app.state.snapshot_settings
        try:
            outcome = await apply_snapshot(
                runtime_of(request), path, settings, actor_of(caller), _limits(request)
            )
        except FileRejected as exc:
            return errors_response(422, exc.errors)
        except RunRefused as exc:
            return _refused(exc)
        return await _outcome(request, outcome)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _run_not_found() -> JSONResponse:
    return _error(
        404, "run_id", "NOT_FOUND", "No such reconciliation run. / Rekonsiliasi tidak ditemukan."
    )


async def _run(request: Request, run_id: uuid.UUID) -> Any:
    return await runtime_of(request).pool.fetchrow(
        "SELECT * FROM reconciliation_runs WHERE run_id = $1", run_id
    )


@router.get("/runs")
async def list_runs(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> JSONResponse:
    """Runs, newest first."""
    rows = await run_outcomes.list_runs(runtime_of(request).pool, limit)
    return JSONResponse(
        {
            "runs": [
                {
                    "run_id": str(r["run_id"]),
                    "kind": r["kind"],
                    "submitted_by": r["submitted_by"],
                    "status": r["status"],
                    "fingerprint": r["fingerprint"],
                    "received_at": r["received_at"].isoformat(),
                    "rows_read": r["rows_read"],
                    "requests": r["requests"],
                    "report_url": f"/reconciliation/runs/{r['run_id']}",
                }
                for r in rows
            ]
        }
    )


@router.get("/runs/{run_id}", response_model=None)
async def run_report(
    request: Request,
    run_id: uuid.UUID,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Response:
    """The run's report: rows read/valid/invalid, requests by reason and kelurahan, how
    many were applied (with effective dates), replacements and the quota around it.
    ``format=csv``: one row per request, for the officers."""
    run = await _run(request, run_id)
    if run is None:
        return _run_not_found()
    pool = runtime_of(request).pool
    if format == "csv":
        return Response(
            requests_csv(await request_rows(pool, run_id)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="reconciliation-{run_id}.csv"'},
        )
    return JSONResponse(await build_report(pool, run))


def _decision_error(exc: Exception) -> JSONResponse:
    if isinstance(exc, RunNotFound):
        return _run_not_found()
    if isinstance(exc, SamePerson):
        return JSONResponse(
            status_code=403,
            content={
                "error": "FORBIDDEN",
                "reason": "SAME_PERSON",
                "message": "The officer who uploaded the run cannot approve it: another "
                "Dinsos officer must. / Pengunggah tidak dapat menyetujui sendiri.",
            },
        )
    assert isinstance(exc, NotAPreview)
    return JSONResponse(
        status_code=409,
        content={
            "errors": [
                {
                    "field": "run_id",
                    "rule": "ALREADY_DECIDED",
                    "message": "The run was already approved or rejected. / "
                    "Rekonsiliasi sudah disetujui atau ditolak.",
                }
            ],
            "status": exc.status,
        },
    )


@router.post("/runs/{run_id}/approve")
async def approve(request: Request, caller: Caller, run_id: uuid.UUID) -> JSONResponse:
    """Apply a previewed run: its deactivation requests are sent, carrying the approver as
    actor. Only a Dinsos officer other than the uploader (403 SAME_PERSON); once (409). A
    system's run of submitted findings grown past the deactivation share: 422 ``rule``
    DEACTIVATION_SHARE_EXCEEDED, nothing decided (reject it)."""
    actor = actor_of(caller)
    assert actor is not None  # the route takes a token (policy table)
    settings: SnapshotSettings = request.app.state.snapshot_settings
    try:
        decided = await approve_run(
            runtime_of(request),
            run_id,
            actor,
            batch=settings.emit_batch,
            limits=_limits(request),
        )
    except (RunNotFound, SamePerson, NotAPreview) as exc:
        return _decision_error(exc)
    except RunRefused as exc:
        return _refused(exc, "run_id")
    return JSONResponse(
        {
            "run_id": str(run_id),
            "status": decided.status,
            "requests_emitted": decided.requests_emitted,
            "report_url": f"/reconciliation/runs/{run_id}",
        }
    )


@router.post("/runs/{run_id}/reject")
async def reject(request: Request, caller: Caller, run_id: uuid.UUID) -> JSONResponse:
    """Discard a previewed run: nothing of it is ever sent (409 once decided)."""
    actor = actor_of(caller)
    assert actor is not None  # the route takes a token (policy table)
    try:
        decided = await reject_run(runtime_of(request), run_id, actor)
    except (RunNotFound, NotAPreview) as exc:
        return _decision_error(exc)
    return JSONResponse(
        {
            "run_id": str(run_id),
            "status": decided.status,
            "deactivations": decided.deactivations,
            "report_url": f"/reconciliation/runs/{run_id}",
        }
    )


@router.get("/runs/{run_id}/errors")
async def run_errors(
    request: Request,
    run_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0, le=PG_INT8_MAX)] = 0,  # OFFSET is a bigint
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """The run's rejected lines: line, field and rule."""
    if await _run(request, run_id) is None:
        return _run_not_found()
    rows = await run_outcomes.run_errors(
        runtime_of(request).pool, run_id, offset=offset, limit=limit
    )
    return JSONResponse(
        {
            "run_id": str(run_id),
            "offset": offset,
            "errors": [
                {k: r[k] for k in ("line", "field", "rule", "message", "first_line")} for r in rows
            ],
        }
    )


@router.get("/runs/{run_id}/candidates")
async def candidates(
    request: Request,
    run_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0, le=PG_INT8_MAX)] = 0,  # OFFSET is a bigint
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """Residents of the snapshot within the eligible deciles who are not proposed, best
    first (lowest decile, then the snapshot's order). Pseudonyms only."""
    if await _run(request, run_id) is None:
        return _run_not_found()
    pool = runtime_of(request).pool
    rows = await snapshot_sql.candidates_page(pool, run_id, offset=offset, limit=limit)
    return JSONResponse(
        {
            "run_id": str(run_id),
            "counts": await run_outcomes.candidate_counts(pool, run_id),
            "offset": offset,
            "candidates": [
                {
                    "participant_id": r["participant_id"],
                    "line": r["line"],
                    "kelurahan": r["kelurahan"],
                    "welfare_decile": r["welfare_decile"],
                    "status": r["status"],
                    "proposal_id": str(r["proposal_id"]) if r["proposal_id"] else None,
                }
                for r in rows
            ],
        }
    )


@router.post("/runs/{run_id}/candidates/propose")
async def propose(
    request: Request,
    caller: Caller,
    run_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=10_000)],
) -> JSONResponse:
    """Propose the best ``limit`` candidates of an approved snapshot as registry refills
    (ParticipantRegistered, source registry_refill); they then follow the normal journey
    through Dinkes and BPJS. More than ``ENROLLMENT_MAX_REFILL_BATCH`` at once: 422
    REFILL_BATCH_TOO_LARGE; a snapshot not approved: 409 RUN_NOT_APPROVED."""
    run = await _run(request, run_id)
    if run is None:
        return _run_not_found()
    if run["kind"] != "snapshot":
        return _error(
            409,
            "run_id",
            "NOT_A_SNAPSHOT",
            "Only a snapshot run has candidates. / Hanya rekonsiliasi DTKS yang memiliki kandidat.",
        )
    if run["status"] not in ("emitting", "completed"):
        return _error(
            409,
            "run_id",
            "RUN_NOT_APPROVED",
            "Refills come from an approved snapshot only. / "
            "Kandidat hanya dari rekonsiliasi DTKS yang disetujui.",
        )
    try:
        made, already = await propose_candidates(
            runtime_of(request), run_id, limit, actor_of(caller), _limits(request)
        )
    except RunRefused as exc:
        return _refused(exc)
    return JSONResponse({"run_id": str(run_id), "proposed": made, "already_proposed": already})
