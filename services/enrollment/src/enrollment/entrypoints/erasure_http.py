"""HTTP API of a resident's erasure (crypto-shredding): a Dinsos officer's command.

``POST /residents/{participant_id}/erasure``: 200 with the ResidentDataErased event's id
(the first one's when the resident was erased before); 409 with ``STILL_ACTIVE`` or
``RETENTION_NOT_OVER`` (and ``erasable_from``); 404 for any id Dinas Sosial never proposed
(a malformed one included). The answer names the pseudonym only, never personal data.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from jkn_bus.guard import Caller
from jkn_bus.service import ServiceRuntime
from jkn_bus.unit_of_work import actor_of
from jkn_contracts.envelope import PARTICIPANT_ID_PATTERN

from enrollment.app.erasure import ErasureRefused, erase_resident
from enrollment.entrypoints import state

__all__ = ["router"]

router = APIRouter()

_PARTICIPANT_ID = re.compile(PARTICIPANT_ID_PATTERN)

_MESSAGES = {
    "NOT_FOUND": "No resident with this id. / Tidak ada penduduk dengan id ini.",
    "STILL_ACTIVE": "A proposal of this resident is not over. / Usulan penduduk ini belum selesai.",
    "RETENTION_NOT_OVER": "The retention period after the last proposal is not over. / "
    "Masa retensi setelah usulan terakhir belum berakhir.",
}


def _error(status: int, rule: str, **extra: str) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={
            "errors": [{"field": "participant_id", "rule": rule, "message": _MESSAGES[rule]}],
            **extra,
        },
    )


@router.post("/residents/{participant_id}/erasure", tags=["residents"])
async def erase(request: Request, participant_id: str, caller: Caller) -> JSONResponse:
    """Erase the resident's personal data: their key destroyed, Dinsos's copies blanked,
    ResidentDataErased stated. 409 STILL_ACTIVE / RETENTION_NOT_OVER; 404 when unknown."""
    if not _PARTICIPANT_ID.fullmatch(participant_id):
        return _error(404, "NOT_FOUND")
    runtime: ServiceRuntime = request.app.state.runtime
    actor = actor_of(caller)
    try:
        async with runtime.unit_of_work(actor=actor) as uow:
            erased = await erase_resident(
                uow,
                participant_id,
                actor=actor,
                retention=state.settings(request).erasure_after,
                store=state.erasure_store(request),
            )
    except ErasureRefused as refused:
        extra = {"erasable_from": refused.until.isoformat()} if refused.until else {}
        return _error(409, refused.code, **extra)
    if erased is None:
        return _error(404, "NOT_FOUND")
    return JSONResponse(
        {
            "participant_id": participant_id,
            "erased": True,
            "ground": erased.ground.value,
            "event_id": str(erased.event_id),
            "already_erased": erased.already,
        }
    )
