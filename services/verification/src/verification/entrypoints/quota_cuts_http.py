"""A quota cut (``app.quota_cuts``): its preview, and a second verifier's decision.

``PUT /quota`` lowering a year's total (``entrypoints.http``) answers 202 with ``cut_body``.
``GET /quota/cuts/{cut_id}`` shows the cut; ``POST /quota/cuts/{cut_id}/approve`` by a Dinkes
verifier other than its maker (403 ``SAME_PERSON``) applies it; ``/reject`` (any verifier,
the maker too) discards it. Decided once (409 ``ALREADY_DECIDED``). The two-person rule's
refusals are answered by ``jkn_bus.two_person_http``, its 409 in this module's shape
(``detail``, like the routes' other refusals and ``PUT /quota``'s). An approval whose checks
fail again answers 409 ``quota_below_used`` or ``quota_changed_since_preview`` and leaves the
cut pending. Counts and pseudonymous actor ids only.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from jkn_bus import ServiceRuntime
from jkn_bus.guard import Caller
from jkn_bus.two_person_http import DECISION_ERRORS, DecisionAnswers
from jkn_bus.unit_of_work import actor_of
from pydantic import BaseModel, Field

from verification.adapters.quota_cuts import SqlQuotaCuts
from verification.app.dependencies import Dependencies
from verification.app.ports import QuotaCut
from verification.app.quota_cuts import PreviewOutdated, decide_cut
from verification.app.slots import QuotaBelowUsed

__all__ = ["QuotaCutView", "build_cuts_router", "cut_body"]


class CutPreview(BaseModel):
    previous_total: int = Field(description="The year's total when the cut was asked for.")
    used: int
    free: int
    total: int = Field(description="The new total, once approved.")
    free_after: int
    waiting: int = Field(description="Proposals on the waiting list when it was asked for.")


class ActorView(BaseModel):
    id: str = Field(description="Pseudonymous actor id (act_...).")
    agency: str
    kind: str


class QuotaCutView(BaseModel):
    """A quota cut (``cut_body``): its preview, who asked, who decided, where it stands."""

    cut_id: uuid.UUID
    status: str = Field(description="pending, approved or rejected")
    budget_year: int
    preview: CutPreview
    requested_by: ActorView
    requested_at: str | None
    decided_by: ActorView | None
    decided_at: str | None
    status_url: str
    approve_url: str
    reject_url: str


_DECISION_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": QuotaCutView},
    403: {"description": "SAME_PERSON: the maker cannot approve their own cut"},
    404: {"description": "no such cut"},
    409: {
        "description": "ALREADY_DECIDED; on approval also quota_below_used or "
        "quota_changed_since_preview (the cut stays pending)"
    },
}


def _actor(actor: Any) -> dict[str, str] | None:
    return None if actor is None else {"id": actor.id, "agency": actor.agency, "kind": actor.kind}


def cut_body(cut: QuotaCut) -> dict[str, Any]:
    """The cut as the API shows it: its preview, who asked, where it stands."""
    base = f"/quota/cuts/{cut.cut_id}"
    return {
        "cut_id": str(cut.cut_id),
        "status": cut.status,
        "budget_year": cut.budget_year,
        "preview": {
            "previous_total": cut.previous_total,
            "used": cut.used,
            "free": cut.previous_total - cut.used,
            "total": cut.total,
            "free_after": cut.total - cut.used,
            "waiting": cut.waiting,
        },
        "requested_by": _actor(cut.requested_by),
        "requested_at": cut.created_at.isoformat() if cut.created_at else None,
        "decided_by": _actor(cut.decided_by),
        "decided_at": cut.decided_at.isoformat() if cut.decided_at else None,
        "status_url": base,
        "approve_url": f"{base}/approve",
        "reject_url": f"{base}/reject",
    }


def _refused(code: int, rule: str, message: str, cut_status: str | None = None) -> JSONResponse:
    """The route's refusal, shaped like verification's others; ``status``: where the cut
    stands (a refused approval leaves it pending)."""
    detail: dict[str, Any] = {"field": "cut_id", "rule": rule, "message": message}
    if cut_status is not None:
        detail["status"] = cut_status
    return JSONResponse(status_code=code, content={"detail": detail})


def _not_found() -> JSONResponse:
    return _refused(404, "unknown", "no quota cut by this id")


_DECISION = DecisionAnswers(
    "cut_id",
    _not_found,
    same_person="the verifier who asked for the quota cut cannot approve it: "
    "another Dinkes verifier must",
    decided="the quota cut was approved or rejected already",
    refused=lambda error, status: _refused(409, error.rule, error.message, status),
)


def build_cuts_router(runtime: ServiceRuntime, deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["verification"])

    @router.get(
        "/quota/cuts/{cut_id}",
        responses={200: {"model": QuotaCutView}, 404: {"description": "no such cut"}},
    )
    async def quota_cut(cut_id: uuid.UUID) -> JSONResponse:
        """A quota cut: its preview (total, used, free, new total, waiting list), who asked
        for it and who decided it."""
        async with runtime.unit_of_work() as uow:
            cut = await SqlQuotaCuts(uow.conn).find(cut_id)
        return _not_found() if cut is None else JSONResponse(cut_body(cut))

    async def decide(caller: Caller, cut_id: uuid.UUID, *, approve: bool) -> JSONResponse:
        try:
            async with runtime.unit_of_work(actor=actor_of(caller)) as uow:
                cuts = SqlQuotaCuts(uow.conn)
                await decide_cut(uow, deps, cuts, cut_id, approve=approve)
                decided = await cuts.find(cut_id)
        except DECISION_ERRORS as exc:
            return _DECISION.error(exc)
        except QuotaBelowUsed as exc:
            return _refused(409, "quota_below_used", exc.describe(), "pending")
        except PreviewOutdated as exc:
            return _refused(409, "quota_changed_since_preview", exc.describe(), "pending")
        assert decided is not None
        return JSONResponse(cut_body(decided))

    @router.post("/quota/cuts/{cut_id}/approve", responses=_DECISION_ANSWERS)
    async def approve(caller: Caller, cut_id: uuid.UUID) -> JSONResponse:
        """Apply a pending cut (QuotaCutApproved, then QuotaChanged, the approver as actor).
        Only a Dinkes verifier other than its maker (403 SAME_PERSON); once (409
        ALREADY_DECIDED); 409 quota_below_used / quota_changed_since_preview when its checks
        fail again under the quota row's lock (the cut stays pending)."""
        return await decide(caller, cut_id, approve=True)

    @router.post("/quota/cuts/{cut_id}/reject", responses=_DECISION_ANSWERS)
    async def reject(caller: Caller, cut_id: uuid.UUID) -> JSONResponse:
        """Discard a pending cut: the quota stays (QuotaCutRejected; 409 once decided)."""
        return await decide(caller, cut_id, approve=False)

    return router
