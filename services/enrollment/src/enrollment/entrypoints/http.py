"""HTTP API of Dinas Sosial: proposals (one at a time, or CSV imports) and their status.

Errors name the field and the rule, never the value: a NIK, a name or an address must not
come back in a response body, a log or a trace. Proposing is an act of the caller: their
actor (pseudonymous id, agency, person or system) is kept with each proposal and carried by
its ParticipantRegistered; an import keeps the importing caller's actor for every proposal
it makes.
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.limits import FailureLimiter
from jkn_bus.spreadsheet import safe_row
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters import imports as import_store
from enrollment.adapters.proposals import find_for_status, receipt_hash
from enrollment.app.imports import ImportRunner, check_header
from enrollment.app.proposals import (
    DuplicateProposal,
    issued_receipt_code,
    new_proposal,
    propose,
    read_form,
)
from enrollment.domain import FieldError, validate_proposal
from enrollment.entrypoints.bodies import PROPOSAL_FORM, PROPOSALS_CSV
from enrollment.entrypoints.uploads import spool_upload
from enrollment.settings import receipt_key

__all__ = ["receipt_failures", "router"]

router = APIRouter()

_NOT_FOUND = {
    "errors": [
        {
            "field": "proposal_id",
            "rule": "NOT_FOUND",
            "message": "No proposal with this id and receipt code. / "
            "Tidak ada usulan dengan nomor dan kode tanda terima ini.",
        }
    ]
}


@router.post("/proposals", status_code=201, tags=["proposals"], openapi_extra=PROPOSAL_FORM)
async def create_proposal(request: Request, caller: Caller) -> JSONResponse:
    """Propose one resident (strict NIK checks). 201 with the receipt code the resident keeps;
    422 with every field problem; 409 when the NIK is already proposed."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return errors_response(
            422,
            [
                FieldError(
                    "body",
                    "JSON_INVALID",
                    "The body is not valid JSON. / Isi permintaan bukan JSON yang sah.",
                )
            ],
        )
    fields, proposed_by, errors = read_form(body)
    outcome = validate_proposal(fields, strict=True)
    if isinstance(outcome, list) or errors or proposed_by is None:
        return errors_response(422, errors + (outcome if isinstance(outcome, list) else []))
    runtime = runtime_of(request)
    actor = actor_of(caller)
    new = new_proposal(
        outcome,
        proposed_by=proposed_by,
        pseudonym_key=runtime.settings.jkn_pseudonym_key,
        receipt_key=receipt_key(),
        actor=actor,
    )
    try:
        async with runtime.unit_of_work(actor=actor) as uow:
            await propose(uow, new)
    except DuplicateProposal as dup:
        message = (
            "This NIK already has a pending or active proposal (see proposal_id). / "
            "NIK ini sudah diusulkan dan masih diproses atau aktif (lihat proposal_id)."
        )
        return errors_response(
            409,
            [FieldError("nik", "ALREADY_PROPOSED", message)],
            proposal_id=str(dup.proposal_id) if dup.proposal_id else None,
        )
    return JSONResponse(
        status_code=201,
        content={
            "proposal_id": str(new.proposal_id),
            "participant_id": new.participant_id,
            "receipt_code": new.receipt_code,
            "status": "registered",
        },
    )


# failed look-ups per client address: the receipt-code status and a resident's access
# request (entrypoints.access_http) count against the same limit
receipt_failures = FailureLimiter(int(os.environ.get("ENROLLMENT_STATUS_FAILURES_PER_10MIN", "30")))


@router.get("/proposals/{proposal_id}", tags=["proposals"])
async def proposal_status(
    request: Request, proposal_id: uuid.UUID, receipt_code: Annotated[str | None, Query()] = None
) -> JSONResponse:
    """Where the proposal stands, with the receipt code as second factor (404 otherwise)."""
    client = request.client.host if request.client else "?"
    if receipt_failures.blocked(client):
        return errors_response(
            429,
            [
                FieldError(
                    "receipt_code",
                    "TOO_MANY_ATTEMPTS",
                    "Too many failed look-ups; try again later. / "
                    "Terlalu banyak percobaan gagal; coba lagi nanti.",
                )
            ],
        )
    found = await find_for_status(runtime_of(request).pool, proposal_id)
    if (
        found is None
        or not receipt_code
        or not hmac.compare_digest(receipt_hash(receipt_code), bytes(found[0]["receipt_hash"]))
    ):
        receipt_failures.fail(client)
        return JSONResponse(status_code=404, content=_NOT_FOUND)
    row, history = found
    return JSONResponse(status_document(row, history))


def status_document(row: Any, history: list[Any]) -> dict[str, Any]:
    """One proposal's status as both status routes answer it (its row and history rows)."""
    card = None
    if row["no_kartu"] is not None:
        card = {
            "no_kartu": row["no_kartu"],
            "clinic": {"code": row["kd_provider"], "name": row["nm_provider"]},
            "effective_date": row["effective_date"].isoformat(),
        }
    return {
        "proposal_id": str(row["proposal_id"]),
        "participant_id": row["participant_id"],
        "status": row["status"],
        "reasons": json.loads(row["reasons"]),
        "card": card,
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "history": [
            {
                "status": h["status"],
                "event_type": h["event_type"],
                "occurred_at": h["occurred_at"].isoformat(),
                "recorded_at": h["recorded_at"].isoformat(),
            }
            for h in history
        ],
    }


@router.post("/imports", status_code=202, tags=["imports"], openapi_extra=PROPOSALS_CSV)
async def start_import(
    request: Request,
    caller: Caller,
    proposed_by: Annotated[str, Query(min_length=1, max_length=100)],
) -> JSONResponse:
    """Import a CSV of proposals in the background (lenient NIK checks). 202 with the
    import id; follow it at /imports/{id}. The same file uploaded after an interruption
    continues where the interrupted import stopped."""
    spooled = await spool_upload(request, prefix="jkn-import-")
    if spooled is None:
        return errors_response(
            422,
            [
                FieldError(
                    "file",
                    "REQUIRED",
                    "Send the CSV as field 'file' or as "
                    "the body. / Kirim CSV di kolom 'file' atau sebagai isi.",
                )
            ],
        )
    path, sha256 = spooled
    header_errors = check_header(path)
    if header_errors:
        path.unlink()
        return errors_response(422, header_errors)
    runner: ImportRunner = request.app.state.imports
    import_id = await runner.start(
        path, sha256=sha256, proposed_by=" ".join(proposed_by.split()), actor=actor_of(caller)
    )
    return JSONResponse(
        status_code=202,
        content={
            "import_id": str(import_id),
            "status_url": f"/imports/{import_id}",
        },
    )


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


def _import_not_found() -> JSONResponse:
    return errors_response(
        404, [FieldError("import_id", "NOT_FOUND", "No such import. / Impor tidak ditemukan.")]
    )


@router.get("/imports/{import_id}", tags=["imports"])
async def import_progress(request: Request, import_id: uuid.UUID) -> JSONResponse:
    """Progress and counts of an import."""
    row = await import_store.find(runtime_of(request).pool, import_id)
    if row is None:
        return _import_not_found()
    body: dict[str, Any] = {"import_id": str(import_id), **{k: row[k] for k in _IMPORT_FIELDS}}
    body["resumed_from"] = str(row["resumed_from"]) if row["resumed_from"] else None
    for stamp in ("started_at", "updated_at", "finished_at"):
        body[stamp] = row[stamp].isoformat() if row[stamp] else None
    return JSONResponse(body)


_ERROR_KEYS = ("line", "field", "rule", "message", "severity", "first_line", "existing_proposal_id")


def _error_dict(r: Any) -> dict[str, Any]:
    d = {k: r[k] for k in _ERROR_KEYS}
    d["existing_proposal_id"] = (
        str(d["existing_proposal_id"]) if d["existing_proposal_id"] else None
    )
    return d


@router.get("/imports/{import_id}/errors", tags=["imports"], response_model=None)
async def import_errors(
    request: Request,
    import_id: uuid.UUID,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
    offset: Annotated[int, Query(ge=0, le=PG_INT8_MAX)] = 0,  # OFFSET is a bigint
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """Every rejected line (and NIK warning) with line, field and rule; ``format=csv``
    streams the whole list as a CSV an officer can open next to the file."""
    pool = runtime_of(request).pool
    if await import_store.find(pool, import_id) is None:
        return _import_not_found()
    if format == "csv":
        lines = (_error_dict(r).values() async for r in import_store.iter_errors(pool, import_id))
        return _csv_download(f"import-{import_id}-errors.csv", _ERROR_KEYS, lines)
    rows = await import_store.errors_of(pool, import_id, offset=offset, limit=limit)
    return JSONResponse(
        {"import_id": str(import_id), "offset": offset, "errors": [_error_dict(r) for r in rows]}
    )


@router.get("/imports/{import_id}/receipts", tags=["imports"], response_model=None)
async def import_receipts(request: Request, import_id: uuid.UUID) -> Response:
    """For the officer who imported the file: the receipt code of every proposal it
    created (CSV: line, proposal_id, receipt_code, in line order), to hand to each resident
    for the status question. Lines of the file, not names: the officer's file says who is
    who. An import that continued an interrupted one lists that one's proposals too. A code
    that cannot be given back (drawn at random before codes were derived) is left empty."""
    runtime = runtime_of(request)
    if await import_store.find(runtime.pool, import_id) is None:
        return _import_not_found()
    key = receipt_key()
    rows = (
        (
            r["line"],
            r["proposal_id"],
            issued_receipt_code(r["proposal_id"], bytes(r["receipt_hash"]), key),
        )
        async for r in import_store.iter_receipts(runtime.pool, import_id)
    )
    return _csv_download(
        f"import-{import_id}-receipts.csv", ("line", "proposal_id", "receipt_code"), rows
    )


def _csv_download(
    filename: str, header: Sequence[str], rows: AsyncIterable[Iterable[Any]]
) -> StreamingResponse:
    """A CSV attachment written as the rows come, in blocks of about 64 KiB."""

    async def blocks() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        async for row in rows:
            writer.writerow(safe_row(row))  # a spreadsheet evaluates no cell of ours
            if buffer.tell() > 1 << 16:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        blocks(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
