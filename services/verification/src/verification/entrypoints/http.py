"""HTTP API of Dinas Kesehatan: the quota, the waiting list and decisions.

No personal data is served: participants are named by their pseudonymous id. Setting the
quota is an act of the calling verifier: it is kept with their actor id and agency and
stated as QuotaChanged (jkn_bus.unit_of_work.actor_of). A raise applies at once; a cut is
stored pending a second verifier's approval (``app.quota_cuts``, ``quota_cuts_http``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse
from jkn_bus import ServiceRuntime
from jkn_bus.db import PG_INT4_MAX
from jkn_bus.guard import Caller
from jkn_bus.unit_of_work import actor_of
from jkn_contracts import PARTICIPANT_ID_PATTERN, RejectionReason
from pydantic import BaseModel, Field

from verification.adapters.metrics import observe_quota
from verification.adapters.quota_cuts import SqlQuotaCuts
from verification.app.dependencies import Dependencies
from verification.app.quota_cuts import Applied, CutPending, change_quota
from verification.app.slots import QuotaBelowUsed, QuotaCutTooLarge
from verification.entrypoints.quota_cuts_http import QuotaCutView, build_cuts_router, cut_body

__all__ = ["build_router"]


class QuotaView(BaseModel):
    budget_year: int
    total: int
    used: int
    free: int
    waiting: int


class QuotaChange(BaseModel):
    budget_year: int = Field(ge=2000, le=2100)
    total: int = Field(
        ge=0,
        le=PG_INT4_MAX,  # a Postgres integer column: beyond it, a 422 naming the field
        description="Slots funded for the year; never below those in use.",
    )


class QuotaChanged(QuotaView):
    admitted_from_waitlist: int


class WaitingView(BaseModel):
    participant_id: str
    proposal_id: uuid.UUID
    welfare_decile: int | None
    waiting_since: datetime
    position: int


class DecisionView(BaseModel):
    participant_id: str
    proposal_id: uuid.UUID
    status: str
    reasons: list[RejectionReason]
    budget_year: int | None
    registered_at: datetime
    decided_at: datetime | None
    updated_at: datetime | None


class DecisionsView(BaseModel):
    participant_id: str
    latest: DecisionView
    earlier: list[DecisionView] = Field(description="Earlier proposals of the same participant.")


def _total_refused(status: int, rule: str, message: str, **extra: object) -> HTTPException:
    """``PUT /quota``'s refusal of a total: ``detail`` names the field, the rule and why
    (numbers and ids only), and what the rule adds (a pending cut's id, the cut limit)."""
    detail = {"field": "total", "rule": rule, "message": message, **extra}
    return HTTPException(status_code=status, detail=detail)


ParticipantIdPath = Annotated[str, Path(pattern=PARTICIPANT_ID_PATTERN)]


def build_router(runtime: ServiceRuntime, deps: Dependencies) -> APIRouter:
    router = APIRouter(tags=["verification"])

    @router.get("/quota", response_model=QuotaView)
    async def get_quota(
        budget_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    ) -> QuotaView:
        year = budget_year or deps.budget_year()
        async with runtime.unit_of_work() as uow:
            repo = deps.repository(uow)
            quota = await repo.read_quota(year)
            waiting = await repo.waiting_count()
        if quota is not None:
            observe_quota(year, quota)
        total = (
            quota.total
            if quota
            else (deps.initial_quota_total if year == deps.budget_year() else 0)
        )
        used = quota.used if quota else 0
        return QuotaView(
            budget_year=year, total=total, used=used, free=total - used, waiting=waiting
        )

    @router.put(
        "/quota",
        response_model=QuotaChanged,
        responses={
            202: {
                "description": "a cut: stored pending a second verifier, with its preview "
                "(GET /quota/cuts/{cut_id})",
                "model": QuotaCutView,
            },
            409: {
                "description": "below used (quota_below_used); a cut while another cut of "
                "the year is pending (quota_cut_pending, naming it: cut_id, status_url)"
            },
            422: {"description": "a cut of more than JKN_MAX_QUOTA_CUT_SHARE of the total"},
        },
    )
    async def put_quota(change: QuotaChange, caller: Caller) -> QuotaChanged | JSONResponse:
        """Raise (or first set) a year's quota at once (200); a cut waits for a second
        Dinkes verifier (202, nothing changes until ``POST /quota/cuts/{cut_id}/approve``),
        one pending cut a year (409 ``quota_cut_pending``); a raise applies even then."""
        try:
            async with runtime.unit_of_work(actor=actor_of(caller)) as uow:
                outcome = await change_quota(
                    uow, deps, SqlQuotaCuts(uow.conn), change.budget_year, change.total
                )
                waiting = await deps.repository(uow).waiting_count()
        except QuotaBelowUsed as exc:
            raise _total_refused(409, "quota_below_used", exc.describe()) from exc
        except CutPending as exc:
            raise _total_refused(
                409,
                "quota_cut_pending",
                exc.describe(),
                cut_id=str(exc.cut_id),
                status_url=f"/quota/cuts/{exc.cut_id}",
            ) from exc
        except QuotaCutTooLarge as exc:
            raise _total_refused(
                422,
                "quota_cut_too_large",
                exc.describe(),
                previous_total=exc.previous_total,
                max_share=exc.max_share,
            ) from exc
        if not isinstance(outcome, Applied):
            return JSONResponse(status_code=202, content=cut_body(outcome))
        return QuotaChanged(
            budget_year=change.budget_year,
            total=outcome.quota.total,
            used=outcome.quota.used,
            free=outcome.quota.free,
            waiting=waiting,
            admitted_from_waitlist=outcome.admitted,
        )

    @router.get("/waiting-list", response_model=list[WaitingView])
    async def waiting_list(
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> list[WaitingView]:
        async with runtime.unit_of_work() as uow:
            entries = await deps.repository(uow).waiting_list(limit)
        return [
            WaitingView(
                participant_id=e.participant_id,
                proposal_id=e.proposal_id,
                welfare_decile=e.welfare_decile,
                waiting_since=e.waiting_since,
                position=e.position,
            )
            for e in entries
        ]

    @router.get("/decisions/{participant_id}", response_model=DecisionsView)
    async def decisions(participant_id: ParticipantIdPath) -> DecisionsView:
        async with runtime.unit_of_work() as uow:
            proposals = await deps.repository(uow).proposals_of(participant_id)
        if not proposals:
            raise HTTPException(
                status_code=404,
                detail={
                    "field": "participant_id",
                    "rule": "unknown",
                    "message": "no proposal of this participant has reached the Health Office",
                },
            )
        views = [
            DecisionView(
                participant_id=p.participant_id,
                proposal_id=p.proposal_id,
                status=p.status.value,
                reasons=p.reasons,
                budget_year=p.budget_year,
                registered_at=p.registered_at,
                decided_at=p.decided_at,
                updated_at=p.updated_at,
            )
            for p in proposals
        ]
        return DecisionsView(participant_id=participant_id, latest=views[0], earlier=views[1:])

    router.include_router(build_cuts_router(runtime, deps))
    return router
