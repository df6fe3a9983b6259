"""The reconciliation runs: list, report, the second officer's decision (maker-checker,
``app.run_approval``) and a run's rejected lines."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.guard import Caller
from jkn_bus.http import runtime_of
from jkn_bus.two_person_http import DECISION_ERRORS, DecisionAnswers
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters import run_decisions, run_outcomes
from enrollment.app.run_approval import approve_run, reject_run
from enrollment.app.run_limits import RunRefused
from enrollment.app.run_report import build_report, request_rows, requests_csv
from enrollment.app.snapshots import SnapshotSettings
from enrollment.entrypoints import state
from enrollment.entrypoints.run_answers import fetch_run, refused, run_limits, run_not_found

__all__ = ["router"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


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
    run = await fetch_run(request, run_id)
    if run is None:
        return run_not_found()
    pool, outcomes = runtime_of(request).pool, state.stores(request).outcomes
    if format == "csv":
        return Response(
            requests_csv(await request_rows(pool, run_id, outcomes=outcomes)),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="reconciliation-{run_id}.csv"'},
        )
    return JSONResponse(await build_report(pool, run, outcomes=outcomes))


_DECISION = DecisionAnswers(
    "run_id",
    run_not_found,
    same_person="The officer who uploaded the run cannot approve it: another Dinsos officer "
    "must. / Pengunggah tidak dapat menyetujui sendiri.",
    decided="The run was already approved or rejected. / "
    "Rekonsiliasi sudah disetujui atau ditolak.",
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
            run_decisions,
            run_id,
            actor,
            stores=state.stores(request),
            batch=settings.emit_batch,
            limits=run_limits(request),
        )
    except DECISION_ERRORS as exc:
        return _DECISION.error(exc)
    except RunRefused as exc:
        return refused(exc, "run_id")
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
        decided = await reject_run(runtime_of(request), run_decisions, run_id, actor)
    except DECISION_ERRORS as exc:
        return _DECISION.error(exc)
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
    if await fetch_run(request, run_id) is None:
        return run_not_found()
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
