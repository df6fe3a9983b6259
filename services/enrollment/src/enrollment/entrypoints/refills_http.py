"""A refill batch (``app.refills``): what it holds, and a second officer's decision.

``POST /reconciliation/runs/{run_id}/candidates/propose`` (``candidates_http``) stores a
pending batch and answers with ``batch_body``. ``POST /reconciliation/refills/{id}/approve``
by a Dinsos officer other than its maker (403 SAME_PERSON) proposes its residents;
``/reject`` discards it. Decided once (409 ALREADY_DECIDED). Pseudonyms only, never a
resident's personal data.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jkn_bus.guard import Caller
from jkn_bus.http import runtime_of
from jkn_bus.two_person_http import DECISION_ERRORS, DecisionAnswers
from jkn_bus.unit_of_work import actor_of

from enrollment.adapters import refill_batches
from enrollment.app.refills import decide_batch
from enrollment.entrypoints import state
from enrollment.entrypoints.run_answers import field_error

__all__ = ["batch_body", "candidate_json", "router"]

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"])


def _not_found() -> JSONResponse:
    return field_error(
        404, "batch_id", "NOT_FOUND", "No such refill batch. / Usulan pengisian tidak ditemukan."
    )


_DECISION = DecisionAnswers(
    "batch_id",
    _not_found,
    same_person="The officer who asked for the refill batch cannot approve it: another "
    "Dinsos officer must. / Pengusul tidak dapat menyetujui usulannya sendiri.",
    decided="The refill batch was already approved or rejected. / "
    "Usulan pengisian sudah disetujui atau ditolak.",
)


def _urls(batch_id: uuid.UUID) -> dict[str, str]:
    return {
        "status_url": f"/reconciliation/refills/{batch_id}",
        "approve_url": f"/reconciliation/refills/{batch_id}/approve",
        "reject_url": f"/reconciliation/refills/{batch_id}/reject",
    }


def _actor(row: Any, prefix: str) -> dict[str, str] | None:
    return (
        {"id": row[f"{prefix}_id"], "agency": row[f"{prefix}_agency"]}
        if row[f"{prefix}_id"]
        else None
    )


def candidate_json(row: Any) -> dict[str, Any]:
    """A candidate as the API shows it: pseudonym, snapshot line, kelurahan, decile, status
    and proposal; never personal data."""
    return {
        "participant_id": row["participant_id"],
        "line": row["line"],
        "kelurahan": row["kelurahan"],
        "welfare_decile": row["welfare_decile"],
        "status": row["status"],
        "proposal_id": str(row["proposal_id"]) if row["proposal_id"] else None,
    }


async def batch_body(request: Request, batch_id: uuid.UUID) -> dict[str, Any] | None:
    """The batch: its status, who asked and who decided, and its preview (candidates in
    order, counts by decile and kelurahan); None when there is no such batch."""
    pool = runtime_of(request).pool
    row = await refill_batches.find(pool, batch_id)
    if row is None:
        return None
    members = await refill_batches.members(pool, batch_id)
    return {
        "batch_id": str(batch_id),
        "run_id": str(row["run_id"]),
        "status": row["status"],
        "requested": row["requested"],
        "requested_by": _actor(row, "actor"),
        "decided_by": _actor(row, "decided_by"),
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "preview": {
            "residents": len(members),
            "by_decile": dict(sorted(Counter(str(m["welfare_decile"]) for m in members).items())),
            "by_kelurahan": dict(sorted(Counter(str(m["kelurahan"]) for m in members).items())),
            "candidates": [candidate_json(m) for m in members],
        },
        **_urls(batch_id),
    }


@router.get("/refills/{batch_id}")
async def refill_batch(request: Request, batch_id: uuid.UUID) -> JSONResponse:
    """A refill batch: its candidates (pseudonyms, kelurahan, decile), counts and decision."""
    body = await batch_body(request, batch_id)
    return _not_found() if body is None else JSONResponse(body)


async def _decide(
    request: Request, caller: Caller, batch_id: uuid.UUID, *, approve: bool
) -> JSONResponse:
    try:
        decided = await decide_batch(
            runtime_of(request),
            refill_batches,
            batch_id,
            actor_of(caller),
            approve=approve,
            receipt_key=state.settings(request).receipt_key,
        )
    except DECISION_ERRORS as exc:
        return _DECISION.error(exc)
    return JSONResponse(
        {
            "batch_id": str(batch_id),
            "status": decided.status,
            "residents": decided.residents,
            "proposed": decided.proposed,
            "already_proposed": decided.already_proposed,
            "status_url": f"/reconciliation/refills/{batch_id}",
        }
    )


@router.post("/refills/{batch_id}/approve")
async def approve(request: Request, caller: Caller, batch_id: uuid.UUID) -> JSONResponse:
    """Propose a pending batch's residents (ParticipantRegistered, source registry_refill,
    its maker as actor; RefillBatchApproved names the approver). Only a Dinsos officer other
    than its maker (403 SAME_PERSON); once (409 ALREADY_DECIDED)."""
    return await _decide(request, caller, batch_id, approve=True)


@router.post("/refills/{batch_id}/reject")
async def reject(request: Request, caller: Caller, batch_id: uuid.UUID) -> JSONResponse:
    """Discard a pending batch: nobody of it is proposed, its candidates are free again
    (RefillBatchRejected; 409 once decided)."""
    return await _decide(request, caller, batch_id, approve=False)
