"""HTTP API of CSV imports of proposals: a preview, a second officer's decision, progress.

``POST /imports`` validates and counts the file and stores it as a preview: nothing is
proposed, no ParticipantRegistered is sent (201 with the counts; the line errors at
``/imports/{id}/errors`` as before). ``POST /imports/{id}/approve`` by a Dinsos officer
other than the uploader (403 SAME_PERSON) makes its proposals in the background, followed
at ``/imports/{id}``; ``POST /imports/{id}/reject`` discards it. Decided once (409
ALREADY_DECIDED). A file that must not be applied whoever approves it (no rows, cut off,
too many rows) is refused: 422 with its ``rule``, nothing stored (``app.import_preview``).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from jkn_bus.field_errors import FieldError
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.two_person_http import DECISION_ERRORS, DecisionAnswers
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters import import_previews
from enrollment.adapters import imports as import_store
from enrollment.app.import_decisions import reject_import
from enrollment.app.import_preview import ImportLimits, ImportRefused, NotReadable, preview_import
from enrollment.app.imports import ImportRunner
from enrollment.entrypoints.bodies import PROPOSALS_CSV
from enrollment.entrypoints.import_reports_http import import_not_found
from enrollment.entrypoints.import_reports_http import router as reports_router
from enrollment.entrypoints.uploads import spool_upload

__all__ = ["router"]

router = APIRouter(tags=["imports"])

_EMPTY = FieldError(
    "file",
    "EMPTY_FILE",
    "No file, or an empty one: send the CSV as field 'file' or as the body. / "
    "Berkas tidak ada atau kosong: kirim CSV di kolom 'file' atau sebagai isi.",
)


def _refused(exc: ImportRefused, field: str = "file") -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "error": "IMPORT_REFUSED",
            "rule": exc.rule,
            "message": exc.message,
            **exc.details,
            "errors": [{"field": field, "rule": exc.rule, "message": exc.message}],
        },
    )


def _urls(import_id: uuid.UUID) -> dict[str, str]:
    return {
        "status_url": f"/imports/{import_id}",
        "errors_url": f"/imports/{import_id}/errors",
        "approve_url": f"/imports/{import_id}/approve",
        "reject_url": f"/imports/{import_id}/reject",
    }


@router.post("/imports", status_code=201, openapi_extra=PROPOSALS_CSV)
async def preview(
    request: Request,
    caller: Caller,
    proposed_by: Annotated[str, Query(min_length=1, max_length=100)],
) -> JSONResponse:
    """Upload a CSV of proposals (lenient NIK checks) as a preview: 201 with its counts
    (rows, valid, invalid by rule with lines, by kelurahan, by source); nothing is proposed
    until another Dinsos officer approves it. 422 for an empty file (EMPTY_FILE), a bad
    header, or a refused file (``rule``: NO_ROWS, TRUNCATED_LAST_LINE, IMPORT_TOO_LARGE)."""
    spooled = await spool_upload(request, prefix="jkn-import-")
    if spooled is None:
        return errors_response(422, [_EMPTY])
    path, sha256 = spooled
    limits: ImportLimits = request.app.state.import_limits
    try:
        previewed = await preview_import(
            runtime_of(request),
            import_previews,
            path,
            sha256=sha256,
            proposed_by=" ".join(proposed_by.split()),
            actor=actor_of(caller),
            limits=limits,
        )
    except NotReadable as exc:
        return errors_response(422, exc.errors)
    except ImportRefused as exc:
        return _refused(exc)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    return JSONResponse(
        status_code=201,
        content={
            "import_id": str(previewed.import_id),
            "status": "preview",
            "preview": previewed.summary,
            **_urls(previewed.import_id),
        },
    )


_DECISION = DecisionAnswers(
    "import_id",
    import_not_found,
    same_person="Who uploaded the import cannot approve it: another Dinsos officer must. / "
    "Pengunggah tidak dapat menyetujui impornya sendiri.",
    decided="The import was already approved or rejected. / Impor sudah disetujui atau ditolak.",
    status_key="import_status",
)


@router.post("/imports/{import_id}/approve", status_code=202)
async def approve(request: Request, caller: Caller, import_id: uuid.UUID) -> JSONResponse:
    """Approve a previewed import: its proposals are made in the background, the uploader
    as their proposer, the approver recorded with the decision (ImportApproved). Only a
    Dinsos officer other than the uploader (403 SAME_PERSON); once (409 ALREADY_DECIDED)."""
    actor = actor_of(caller)
    assert actor is not None  # the route takes a token (policy table)
    runner: ImportRunner = request.app.state.imports
    try:
        decided = await runner.approve(import_id, actor)
    except DECISION_ERRORS as exc:
        return _DECISION.error(exc)
    return JSONResponse(
        status_code=202,
        content={"import_id": str(import_id), "status": decided.status, **_urls(import_id)},
    )


@router.post("/imports/{import_id}/reject")
async def reject(request: Request, caller: Caller, import_id: uuid.UUID) -> JSONResponse:
    """Discard a previewed import: nothing of it is ever proposed (409 once decided)."""
    actor = actor_of(caller)
    assert actor is not None  # the route takes a token (policy table)
    try:
        decided = await reject_import(runtime_of(request), import_previews, import_id, actor)
    except DECISION_ERRORS as exc:
        return _DECISION.error(exc)
    return JSONResponse({"import_id": str(import_id), "status": decided.status})


_IMPORT_FIELDS = (
    "status",
    "proposed_by",
    "lines_read",
    "accepted",
    "rejected",
    "duplicates",
    "warnings",
    "last_committed_line",
    "resumed_after_line",
    "failure",
)


def _approval(row: Any) -> dict[str, Any]:
    """Who uploaded the import and who decided it (pseudonymous actor ids), and when."""
    decided = row["decided_by_id"]
    return {
        "status": {"preview": "pending", "rejected": "rejected"}.get(row["status"], "approved"),
        "uploaded_by": {"id": row["actor_id"], "agency": row["actor_agency"]}
        if row["actor_id"]
        else None,
        "decided_by": {"id": decided, "agency": row["decided_by_agency"]} if decided else None,
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
    }


@router.get("/imports/{import_id}")
async def import_progress(request: Request, import_id: uuid.UUID) -> JSONResponse:
    """An import's preview, its decision, and its progress and counts once approved."""
    row = await import_store.find(runtime_of(request).pool, import_id)
    if row is None:
        return import_not_found()
    body: dict[str, Any] = {"import_id": str(import_id), **{k: row[k] for k in _IMPORT_FIELDS}}
    body["resumed_from"] = str(row["resumed_from"]) if row["resumed_from"] else None
    for stamp in ("started_at", "updated_at", "finished_at"):
        body[stamp] = row[stamp].isoformat() if row[stamp] else None
    shown = row["preview"]
    body["preview"] = json.loads(shown) if isinstance(shown, str) else shown
    body["approval"] = _approval(row)
    return JSONResponse({**body, **_urls(import_id)})


router.include_router(reports_router)
