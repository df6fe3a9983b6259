"""HTTP API of Dinas Sosial: proposals (one at a time, or CSV imports) and their status.

Errors name the field and the rule, never the value: a NIK, a name or an address must not
come back in a response body, a log or a trace. Proposing is an act of the caller: their
actor (pseudonymous id, agency, person or system) is kept with each proposal and carried by
its ParticipantRegistered; an import keeps the importing caller's actor for every proposal
it makes.
"""

from __future__ import annotations

import hmac
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters.proposals import find_for_status
from enrollment.app.proposals import (
    DuplicateProposal,
    new_proposal,
    propose,
    read_form,
    receipt_hash,
)
from enrollment.domain import FieldError, validate_proposal
from enrollment.entrypoints import state
from enrollment.entrypoints.bodies import PROPOSAL_FORM
from enrollment.entrypoints.imports_http import router as imports_router

__all__ = ["router", "status_document"]

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
        receipt_key=state.settings(request).receipt_key,
        actor=actor,
    )
    try:
        async with runtime.unit_of_work(actor=actor) as uow:
            await propose(uow, new, store=state.stores(request).proposals)
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


@router.get("/proposals/{proposal_id}", tags=["proposals"])
async def proposal_status(
    request: Request, proposal_id: uuid.UUID, receipt_code: Annotated[str | None, Query()] = None
) -> JSONResponse:
    """Where the proposal stands, with the receipt code as second factor (404 otherwise)."""
    client = request.client.host if request.client else "?"
    # failed look-ups per client address: the receipt-code status and a resident's access
    # request (entrypoints.access_http) count against the same limit
    receipt_failures = state.receipt_failures(request)
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


# The CSV imports of proposals: previews, their decisions, progress and reports.
router.include_router(imports_router)
