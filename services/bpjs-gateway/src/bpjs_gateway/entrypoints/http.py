"""HTTP face of the gateway: what it last carried to BPJS for a participant, and counts.

No personal data is served: participants are addressed by their pseudonym and the view
holds the card number, the clinic, the dates and BPJS's last code and message. A sync asked
for by hand is an act of the caller (PesertaSyncRequested, with their actor).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from jkn_bus.guard import Caller
from jkn_bus.http import runtime_of
from jkn_bus.unit_of_work import actor_of
from jkn_contracts import PARTICIPANT_ID_PATTERN

from bpjs_gateway.adapters.at_rest import GatewayColumns
from bpjs_gateway.adapters.participants import count_by_status, get_participant
from bpjs_gateway.app.ports import ParticipantRecord, Status
from bpjs_gateway.app.sync import PesertaSync

__all__ = ["participant_view", "router"]

router = APIRouter(tags=["participants"])


def participant_view(record: ParticipantRecord) -> dict[str, Any]:
    """The participant as the demo and operators read it (exactly these keys)."""
    effective = record.effective_date
    return {
        "participant_id": record.participant_id,
        "status": record.status,
        "no_kartu": record.no_kartu,
        "kd_provider": record.kd_provider,
        "nm_provider": record.nm_provider,
        "effective_date": effective.isoformat() if effective else None,
        "bpjs_code": record.bpjs_code,
        "bpjs_message": record.bpjs_message,
    }


@router.get("/participants/{participant_id}")
async def get_one(
    request: Request,
    participant_id: Annotated[str, Path(pattern=PARTICIPANT_ID_PATTERN)],
) -> dict[str, Any]:
    """Status at BPJS of one participant: active, refused or deactivated (404 if unknown).

    ``effective_date`` is when the current status takes effect: tglTMT while active,
    tglTAT once deactivated, null when refused.
    """
    columns: GatewayColumns = request.app.state.at_rest  # opens BPJS's sealed message
    async with runtime_of(request).pool.acquire() as conn:
        record = await get_participant(conn, columns, participant_id)
    if record is None:
        raise HTTPException(404, "unknown participant")
    return participant_view(record)


@router.get("/participants")
async def counts(request: Request, status: Status | None = Query(None)) -> dict[str, Any]:  # noqa: B008
    """How many participants are in each status; ``?status=`` for one status only."""
    async with runtime_of(request).pool.acquire() as conn:
        by_status = await count_by_status(conn)
    if status is not None:
        return {"status": status, "count": by_status[status]}
    return {"counts": by_status, "total": sum(by_status.values())}


@router.post("/sync", tags=["operations"])
async def sync_now(request: Request, caller: Caller) -> dict[str, int]:
    """Run one peserta sync pass now (waits for a pass already running); counts by outcome.
    The request is stated first (PesertaSyncRequested: who asked, when); the changes the
    pass finds carry the caller's actor and that request as their cause.

    ``changed``: a PesertaStatusChanged was emitted; ``skipped``: BPJS was unavailable (or
    the participant was deactivated meanwhile), retried next pass; ``not_found``: BPJS does
    not know the card; ``failed``: BPJS refused the look-up or answered the wrong shape.
    """
    sync: PesertaSync | None = getattr(request.app.state, "sync", None)
    if sync is None:
        raise HTTPException(503, "this process has no BPJS client for the peserta sync")
    return await sync.run_once(actor_of(caller))
