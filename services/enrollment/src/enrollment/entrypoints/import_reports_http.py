"""An import's reports: its line errors (JSON pages or a CSV download) and, once its
proposals are made, their receipt codes (CSV) for the officer to hand to each resident."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.field_errors import FieldError
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.spreadsheet import safe_row

from enrollment.adapters import imports as import_store
from enrollment.app.proposals import issued_receipt_code
from enrollment.entrypoints import state

__all__ = ["import_not_found", "router"]

router = APIRouter()


def import_not_found() -> JSONResponse:
    return errors_response(
        404, [FieldError("import_id", "NOT_FOUND", "No such import. / Impor tidak ditemukan.")]
    )


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
        return import_not_found()
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
        return import_not_found()
    key = state.settings(request).receipt_key
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
