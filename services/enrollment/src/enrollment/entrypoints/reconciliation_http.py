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

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.unit_of_work import actor_of
from jkn_contracts.access import Scope

from enrollment.app.findings_file import FileRejected, OutsideKelurahan
from enrollment.app.reconciliation import apply_findings
from enrollment.app.run_limits import RunRefused
from enrollment.app.snapshots import SnapshotSettings, apply_snapshot
from enrollment.entrypoints import candidates_http, runs_http, state
from enrollment.entrypoints.bodies import FINDINGS_CSV, SNAPSHOT_CSV
from enrollment.entrypoints.run_answers import (
    NO_FILE,
    field_error,
    outcome_response,
    refused,
    run_limits,
)
from enrollment.entrypoints.uploads import spool_upload, upload_blocks

__all__ = ["router", "routers"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


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
        return field_error(422, *NO_FILE)
    own = None if caller.scope is Scope.ALL else caller.kelurahan or "-"
    try:
        outcome = await apply_findings(
            runtime_of(request),
            bytes(content),
            only_kelurahan=own,
            actor=actor_of(caller),
            limits=run_limits(request),
            stores=state.stores(request),
        )
    except FileRejected as exc:
        return errors_response(422, exc.errors)
    except RunRefused as exc:
        return refused(exc)
    except OutsideKelurahan as exc:
        return JSONResponse(
            status_code=403,
            content={"error": "FORBIDDEN", "reason": "OUTSIDE_KELURAHAN", "lines": exc.lines},
        )
    return await outcome_response(request, outcome)


@router.post("/snapshots", status_code=201, openapi_extra=SNAPSHOT_CSV)
async def upload_snapshot(request: Request, caller: Caller) -> JSONResponse:
    """A DTKS/DTSEN snapshot (nik,kk,name,sex,birth_date,kelurahan,welfare_decile), up to
    a million rows: diffed against the participants (tidak_ditemukan, mampu) into a
    preview, sent once another Dinsos officer approves it, and kept as refill candidates.
    Bad lines are counted and reported; a bad header is a 422, a refused file 422 ``rule``."""
    spooled = await spool_upload(request, prefix="jkn-snapshot-")
    if spooled is None:
        return field_error(422, *NO_FILE)
    path, _ = spooled
    try:
        settings: SnapshotSettings = request.app.state.snapshot_settings
        try:
            outcome = await apply_snapshot(
                runtime_of(request),
                path,
                settings,
                actor_of(caller),
                run_limits(request),
                stores=state.stores(request),
            )
        except FileRejected as exc:
            return errors_response(422, exc.errors)
        except RunRefused as exc:
            return refused(exc)
        return await outcome_response(request, outcome)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def routers() -> list[APIRouter]:
    """The reconciliation API: uploads (here), the runs' reports and decisions
    (``runs_http``) and a snapshot's refill candidates (``candidates_http``)."""
    return [router, runs_http.router, candidates_http.router]
