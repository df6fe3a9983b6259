"""Dead letters for the platform's operators, on every service that consumes
(``jkn_bus.dead_letters``; policy: ``jkn_contracts.access.OPERATIONS``, city-operator).

``GET /dead-letters`` lists them (by reason prefix, id range), ``GET /dead-letters/{id}``
shows one, ``POST /dead-letters/replay`` applies chosen ones again. What they show holds no
personal data: codes, class names, event types, pseudonymous participant ids, positions.
A replay must name what it replays (ids, a range or a reason): an empty selection is
refused rather than taken as "all"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from jkn_bus.dead_letters import DeadLetterStore, Selection
from jkn_bus.guard import Caller

__all__ = ["ReplayRequest", "router"]

router = APIRouter(tags=["operations"])

_MAX = 500
_TEXT = r"^[^\x00]*$"  # Postgres text holds no NUL: one is a 422 naming the field, not a 500


class ReplayRequest(BaseModel):
    """Which dead letters to replay; every criterion given must hold."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(default=[], max_length=_MAX)
    first_id: int | None = Field(None, ge=1, le=2**63 - 1)
    last_id: int | None = Field(None, ge=1, le=2**63 - 1)
    reason: str | None = Field(
        None, min_length=1, max_length=200, pattern=_TEXT, description="A prefix."
    )
    limit: int = Field(100, ge=1, le=_MAX)


def _store(request: Request) -> DeadLetterStore:
    return DeadLetterStore(request.app.state.runtime.pool)


@router.get("/dead-letters")
async def list_dead_letters(
    request: Request,
    _caller: Caller,
    reason: Annotated[str | None, Query(max_length=200, pattern=_TEXT)] = None,
    first_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    last_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=_MAX)] = 100,
) -> dict[str, Any]:
    which = Selection(first_id=first_id, last_id=last_id, reason=reason, limit=limit)
    found = await _store(request).select(which)
    return {"dead_letters": [d.as_dict() for d in found]}


@router.get("/dead-letters/{dead_letter_id}", response_model=None)
async def show_dead_letter(
    request: Request, _caller: Caller, dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)]
) -> dict[str, Any] | JSONResponse:
    found = await _store(request).get(dead_letter_id)
    if found is None:
        return _error(404, "dead_letter_id", "NOT_FOUND", "No dead letter has this id.")
    return found.as_dict()


@router.post("/dead-letters/replay", response_model=None)
async def replay_dead_letters(
    request: Request, _caller: Caller, body: ReplayRequest
) -> dict[str, Any] | JSONResponse:
    which = Selection(
        ids=body.ids,
        first_id=body.first_id,
        last_id=body.last_id,
        reason=body.reason,
        limit=body.limit,
    )
    if which.is_empty():
        return _error(
            422, "body", "SELECTION_EMPTY", "Name the dead letters: ids, a range or a reason."
        )
    runtime = request.app.state.runtime
    if runtime.consumer is None:
        return _error(409, "service", "NO_CONSUMER", "This service consumes no topic.")
    outcomes = await runtime.replay_dead_letters(which)
    return {"replayed": {str(k): v for k, v in outcomes.items()}}


def _error(status: int, field: str, rule: str, message: str) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"errors": [{"field": field, "rule": rule, "message": message}]}
    )
