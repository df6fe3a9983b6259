"""A snapshot run's refill candidates: the list, and asking for a batch of the best of them
(pending a second officer: ``entrypoints.refills_http``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.guard import Caller
from jkn_bus.http import runtime_of
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters import refill_batches, run_outcomes
from enrollment.adapters import snapshots as snapshot_sql
from enrollment.app.refills import NoCandidates, request_batch
from enrollment.app.run_limits import RunRefused
from enrollment.entrypoints.refills_http import batch_body, candidate_json
from enrollment.entrypoints.run_answers import (
    fetch_run,
    field_error,
    refused,
    run_limits,
    run_not_found,
)

__all__ = ["router"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


@router.get("/runs/{run_id}/candidates")
async def candidates(
    request: Request,
    run_id: uuid.UUID,
    offset: Annotated[int, Query(ge=0, le=PG_INT8_MAX)] = 0,  # OFFSET is a bigint
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> JSONResponse:
    """Residents of the snapshot within the eligible deciles who are not proposed, best
    first (lowest decile, then the snapshot's order). Pseudonyms only."""
    if await fetch_run(request, run_id) is None:
        return run_not_found()
    pool = runtime_of(request).pool
    rows = await snapshot_sql.candidates_page(pool, run_id, offset=offset, limit=limit)
    return JSONResponse(
        {
            "run_id": str(run_id),
            "counts": await run_outcomes.candidate_counts(pool, run_id),
            "offset": offset,
            "candidates": [candidate_json(r) for r in rows],
        }
    )


@router.post("/runs/{run_id}/candidates/propose", status_code=202)
async def propose(
    request: Request,
    caller: Caller,
    run_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=10_000)],
) -> JSONResponse:
    """Ask for a batch of the best ``limit`` candidates of an approved snapshot as registry
    refills: 202 with the pending batch (its candidates: pseudonyms, kelurahan, decile, and
    counts). Nobody is proposed until another Dinsos officer approves it at
    ``/reconciliation/refills/{batch_id}/approve`` (then ParticipantRegistered, source
    registry_refill). Candidates in another pending batch are left out. More than
    ``ENROLLMENT_MAX_REFILL_BATCH`` at once: 422 REFILL_BATCH_TOO_LARGE; a snapshot not
    approved: 409 RUN_NOT_APPROVED; nobody left: 409 NO_CANDIDATES."""
    run = await fetch_run(request, run_id)
    if run is None:
        return run_not_found()
    if run["kind"] != "snapshot":
        return field_error(
            409,
            "run_id",
            "NOT_A_SNAPSHOT",
            "Only a snapshot run has candidates. / Hanya rekonsiliasi DTKS yang memiliki kandidat.",
        )
    if run["status"] not in ("emitting", "completed"):
        return field_error(
            409,
            "run_id",
            "RUN_NOT_APPROVED",
            "Refills come from an approved snapshot only. / "
            "Kandidat hanya dari rekonsiliasi DTKS yang disetujui.",
        )
    try:
        batch_id = await request_batch(
            runtime_of(request),
            refill_batches,
            run_id,
            limit,
            actor_of(caller),
            limits=run_limits(request),
        )
    except RunRefused as exc:
        return refused(exc)
    except NoCandidates:
        return field_error(
            409,
            "run_id",
            "NO_CANDIDATES",
            "Every candidate is proposed or waits in a pending batch. / "
            "Semua kandidat sudah diusulkan atau menunggu persetujuan.",
        )
    return JSONResponse(status_code=202, content=await batch_body(request, batch_id))
