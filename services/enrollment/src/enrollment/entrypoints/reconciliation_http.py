"""HTTP API of the quarterly reconciliation: findings files, registry snapshots, reports.

Uploads are CSV, as a multipart field ``file`` or as the raw body. The file's
fingerprint identifies the run: 201 for a new run, 200 with ``already_applied`` for a
file seen before. Errors name the line, field and rule, never the value.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from jkn_bus.guard import Caller
from jkn_bus.service import ServiceRuntime
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
from enrollment.app.run_report import build_report, request_rows, requests_csv
from enrollment.app.snapshots import SnapshotSettings, apply_snapshot, propose_candidates
from enrollment.domain import LineError
from enrollment.entrypoints.uploads import spool_upload, upload_blocks

__all__ = ["router"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _line_errors(errors: list[LineError]) -> list[dict[str, Any]]:
    return [
        {
            "line": e.line,
            "field": e.field,
            "rule": e.rule,
            "message": e.message,
            **({"first_line": e.first_line} if e.first_line else {}),
        }
        for e in errors
    ]


def _error(status: int, field: str, rule: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"errors": [{"field": field, "rule": rule, "message": message}]}
    )


_NO_FILE = (
    "file",
    "REQUIRED",
    "Send the CSV as field 'file' or as the body. / Kirim CSV di kolom 'file' atau sebagai isi.",
)


def _outcome(outcome: RunOutcome) -> JSONResponse:
    url = f"/reconciliation/runs/{outcome.run_id}"
    if outcome.already_applied:
        return JSONResponse(
            status_code=200,
            content={
                "run_id": str(outcome.run_id),
                "already_applied": True,
                "report_url": url,
                **outcome.details,
            },
        )
    return JSONResponse(
        status_code=201,
        content={
            "run_id": str(outcome.run_id),
            "already_applied": False,
            "report_url": url,
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


@router.post("/findings", status_code=201)
async def upload_findings(request: Request, caller: Caller) -> JSONResponse:
    """A kelurahan findings file (nik,reason,evidence_ref,officer,kelurahan): each valid
    row naming a current participant becomes a deactivation request, all in one
    transaction. 201 for a new run, 200 ``already_applied`` for the same file again.
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
            _runtime(request), bytes(content), only_kelurahan=own, actor=actor_of(caller)
        )
    except FileRejected as exc:
        return JSONResponse(status_code=422, content={"errors": _line_errors(exc.errors)})
    except OutsideKelurahan as exc:
        return JSONResponse(
            status_code=403,
            content={"error": "FORBIDDEN", "reason": "OUTSIDE_KELURAHAN", "lines": exc.lines},
        )
    return _outcome(outcome)


@router.post("/snapshots", status_code=201)
async def upload_snapshot(request: Request, caller: Caller) -> JSONResponse:
    """A DTKS/DTSEN snapshot (nik,kk,name,sex,birth_date,kelurahan,welfare_decile), up to
    a million rows: diffed against the participants (tidak_ditemukan, mampu) and kept as
    refill candidates. Bad lines are counted and reported; a bad header is a 422."""
    spooled = await spool_upload(request, prefix="jkn-snapshot-")
    if spooled is None:
        return _error(422, *_NO_FILE)
    path, _ = spooled
    try:
        settings: SnapshotSettings = request.app.state.snapshot_settings
        try:
            outcome = await apply_snapshot(_runtime(request), path, settings, actor_of(caller))
        except FileRejected as exc:
            return JSONResponse(status_code=422, content={"errors": _line_errors(exc.errors)})
        return _outcome(outcome)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def _run_not_found() -> JSONResponse:
    return _error(
        404, "run_id", "NOT_FOUND", "No such reconciliation run. / Rekonsiliasi tidak ditemukan."
    )


async def _run(request: Request, run_id: uuid.UUID) -> Any:
    return await _runtime(request).pool.fetchrow(
        "SELECT * FROM reconciliation_runs WHERE run_id = $1", run_id
    )


@router.get("/runs")
async def list_runs(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> JSONResponse:
    """Runs, newest first."""
    rows = await run_outcomes.list_runs(_runtime(request).pool, limit)
    return JSONResponse(
        {
            "runs": [
                {
                    "run_id": str(r["run_id"]),
                    "kind": r["kind"],
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
    pool = _runtime(request).pool
    if format == "csv":
        return Response(
            requests_csv(await request_rows(pool, run_id)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="reconciliation-{run_id}.csv"'},
        )
    return JSONResponse(await build_report(pool, run))


@router.get("/runs/{run_id}/errors")
async def run_errors(
    request: Request,
    run_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """The run's rejected lines: line, field and rule."""
    if await _run(request, run_id) is None:
        return _run_not_found()
    rows = await run_outcomes.run_errors(_runtime(request).pool, run_id, offset=offset, limit=limit)
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
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """Residents of the snapshot within the eligible deciles who are not proposed, best
    first (lowest decile, then the snapshot's order). Pseudonyms only."""
    if await _run(request, run_id) is None:
        return _run_not_found()
    pool = _runtime(request).pool
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
    """Propose the best ``limit`` candidates as registry refills (ParticipantRegistered,
    source registry_refill); they then follow the normal journey through Dinkes and BPJS."""
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
    made, already = await propose_candidates(_runtime(request), run_id, limit, actor_of(caller))
    return JSONResponse({"run_id": str(run_id), "proposed": made, "already_proposed": already})
