"""HTTP face of the audit trail: a participant's history across agencies, chain check.

A history holds no personal data: who (agency), what (event type), when, why (decision and
reason codes), evidence reference, and the ids that link each fact to its cause.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from jkn_bus import ServiceRuntime
from jkn_contracts import PARTICIPANT_ID_PATTERN

from jkn_audit.adapters.audit_log import history
from jkn_audit.app.verification import verify_chain
from jkn_audit.domain.entries import AuditEntry

__all__ = ["history_view", "router"]

router = APIRouter(tags=["audit"])


def history_view(entry: AuditEntry) -> dict[str, Any]:
    """One fact as operators read it."""
    return {
        "seq": entry.seq,
        "when": entry.occurred_at,
        "who": entry.producer,
        "what": entry.event_type,
        "decision": entry.decision,
        "why": list(entry.reasons),
        "evidence_ref": entry.evidence_ref,
        "event_id": entry.event_id,
        "correlation_id": entry.correlation_id,
        "causation_id": entry.causation_id,
    }


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


@router.get("/participants/{participant_id}/history")
async def participant_history(
    request: Request, participant_id: Annotated[str, Path(pattern=PARTICIPANT_ID_PATTERN)]
) -> dict[str, Any]:
    """Every fact about one participant, from every agency, in the order they happened."""
    async with _runtime(request).pool.acquire() as conn:
        entries = await history(conn, participant_id)
    if not entries:
        raise HTTPException(404, "no events recorded for this participant")
    return {"participant_id": participant_id, "events": [history_view(e) for e in entries]}


@router.get("/verify")
async def verify(request: Request) -> dict[str, Any]:
    """Walk the whole chain: ``ok`` with the row count and head hash, or the first broken row."""
    report = await verify_chain(_runtime(request).pool)
    return report.as_dict()
