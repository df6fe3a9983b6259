"""HTTP face of the audit trail: a participant's history across agencies, the acts of an
actor or an agency, chain check.

A history holds no personal data: who stated it (agency), who acted (the pseudonymous actor
id, their agency, person or system; none when the fact followed from another event), what
(event type), when, why (decision and reason codes), evidence reference, and the ids that
link each fact to its cause.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from jkn_bus.db import PG_INT8_MAX
from jkn_bus.http import runtime_of
from jkn_contracts import ACTOR_ID_PATTERN, PARTICIPANT_ID_PATTERN

from jkn_audit.adapters.audit_log import acts, entries_in_order, history
from jkn_audit.app.verification import verify_chain
from jkn_audit.domain.entries import AuditEntry

__all__ = ["act_view", "history_view", "router"]

router = APIRouter(tags=["audit"])


def history_view(entry: AuditEntry) -> dict[str, Any]:
    """One fact as operators read it."""
    return {
        "chain": entry.chain,
        "seq": entry.seq,
        "when": entry.occurred_at,
        "who": entry.producer,
        "what": entry.event_type,
        "decision": entry.decision,
        "why": list(entry.reasons),
        "evidence_ref": entry.evidence_ref,
        "actor": None
        if entry.actor_id is None
        else {"id": entry.actor_id, "agency": entry.actor_agency, "kind": entry.actor_kind},
        "event_id": entry.event_id,
        "correlation_id": entry.correlation_id,
        "causation_id": entry.causation_id,
    }


def act_view(entry: AuditEntry) -> dict[str, Any]:
    """One fact an actor's command caused: as in a history, plus whom it is about — a
    participant, or for an agency's act about no single resident its payload (which holds
    no personal data: budget year and totals, a tracking number, a sync run)."""
    view = {**history_view(entry), "participant_id": entry.participant_id}
    if entry.participant_id is None:
        view["payload"] = entry.payload
    return view


@router.get("/participants/{participant_id}/history")
async def participant_history(
    request: Request, participant_id: Annotated[str, Path(pattern=PARTICIPANT_ID_PATTERN)]
) -> dict[str, Any]:
    """Every fact about one participant, from every agency, in the order they happened."""
    async with runtime_of(request).pool.acquire() as conn:
        entries = await history(conn, participant_id)
    if not entries:
        raise HTTPException(404, "no events recorded for this participant")
    return {"participant_id": participant_id, "events": [history_view(e) for e in entries]}


@router.get("/acts")
async def acts_of(
    request: Request,
    actor: Annotated[str | None, Query(pattern=ACTOR_ID_PATTERN)] = None,
    agency: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9-]{0,39}$")] = None,
    offset: Annotated[int, Query(ge=0, le=PG_INT8_MAX)] = 0,  # OFFSET is a bigint
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """What an actor's commands caused (``actor=act_…``), or an agency's staff's and
    systems' (``agency=dinkes``), or both filters at once; in the order it happened.
    The actor id is pseudonymous: the identity provider resolves it for an investigation."""
    if actor is None and agency is None:
        raise HTTPException(
            422,
            {"field": "actor", "rule": "REQUIRED", "message": "name an actor, an agency, or both"},
        )
    async with runtime_of(request).pool.acquire() as conn:
        entries = await acts(conn, actor_id=actor, actor_agency=agency, offset=offset, limit=limit)
    return {
        "actor": actor,
        "agency": agency,
        "offset": offset,
        "acts": [act_view(e) for e in entries],
    }


@router.get("/verify")
async def verify(request: Request) -> dict[str, Any]:
    """Walk every chain: ``ok`` with the row count and the heads' anchor, or the first broken
    row; ``chains``: each chain's own result (``app.verification``)."""
    report = await verify_chain(runtime_of(request).pool, entries_in_order)
    return report.as_dict()
