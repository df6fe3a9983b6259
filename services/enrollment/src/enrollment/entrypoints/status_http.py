"""HTTP API of a resident's status check by what they hold: the receipt code and their own
birth date (``POST /proposals/status``), without the 36-character proposal number a
resident cannot be expected to copy from a receipt.

Both travel in the body, never in a URL (proxies and logs keep URLs). The proposal is found
by the hash of its code (``proposals.receipt_hash``); the birth date is checked against the
sealed one, opened under the resident's key, so an erased resident matches nothing. Any
mismatch — an unknown code, a wrong birth date, an erased resident — is the same 404 with
the same body and counts against the failure limit of the other receipt-code routes
(``entrypoints.state.receipt_failures``: per client address, then 429). The answer on
success is ``GET /proposals/{proposal_id}``'s.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jkn_bus.http import errors_response, runtime_of
from pydantic import BaseModel, ConfigDict, Field

from enrollment.adapters.proposals import find_for_status, find_personal, ids_by_receipt
from enrollment.domain import FieldError
from enrollment.entrypoints import state
from enrollment.entrypoints.http import status_document

__all__ = ["StatusRequest", "router", "status_document"]

router = APIRouter()

_NOT_FOUND = {
    "errors": [
        {
            "field": "receipt_code",
            "rule": "NOT_FOUND",
            "message": "No proposal with this receipt code and birth date. / "
            "Tidak ada usulan dengan kode tanda terima dan tanggal lahir ini.",
        }
    ]
}
_TOO_MANY = FieldError(
    "receipt_code",
    "TOO_MANY_ATTEMPTS",
    "Too many failed look-ups; try again later. / Terlalu banyak percobaan gagal; coba lagi nanti.",
)


class StatusRequest(BaseModel):
    """What a resident holds: the code on their receipt and their birth date."""

    model_config = ConfigDict(extra="forbid")

    receipt_code: str = Field(pattern=r"^[A-Za-z0-9]{4,32}$", description="From the receipt.")
    birth_date: date = Field(description="YYYY-MM-DD, as on the proposal.")


async def _matching(conn: asyncpg.Connection, asked: StatusRequest) -> dict[str, Any] | None:
    """The status of the proposal given this code whose resident was born that day."""
    for proposal_id in await ids_by_receipt(conn, asked.receipt_code):
        personal = await find_personal(conn, proposal_id)
        if personal is not None and personal["birth_date"] == asked.birth_date:
            found = await find_for_status(conn, proposal_id)
            return None if found is None else status_document(*found)
    return None


@router.post("/proposals/status", tags=["proposals"])
async def status_by_receipt(request: Request, asked: StatusRequest) -> JSONResponse:
    """Where the proposal stands, for its receipt code and the resident's birth date. 404
    for any mismatch, 429 past the failure limit, 422 for a malformed body."""
    client = request.client.host if request.client else "?"
    receipt_failures = state.receipt_failures(request)
    if receipt_failures.blocked(client):
        return errors_response(429, [_TOO_MANY])
    async with runtime_of(request).unit_of_work() as uow:  # a read: nothing is written in it
        document = await _matching(uow.conn, asked)
    if document is None:
        receipt_failures.fail(client)
        return JSONResponse(status_code=404, content=_NOT_FOUND)
    return JSONResponse(document)
