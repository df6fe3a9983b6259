"""What was told to whom: the messages of a participant (the dev sink view) and a summary."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from jkn_bus.service import ServiceRuntime
from jkn_contracts import PARTICIPANT_ID_PATTERN

from notifications.adapters import messages

__all__ = ["router"]

router = APIRouter()


def _pool(request: Request) -> Any:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime.pool


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("/messages", tags=["messages"])
async def list_messages(
    request: Request,
    participant_id: Annotated[str, Query(pattern=PARTICIPANT_ID_PATTERN)],
) -> dict[str, Any]:
    """Every message decided for a participant, with its channel and delivery status."""
    rows = await messages.for_participant(
        _pool(request), request.app.state.at_rest, participant_id
    )  # subjects and bodies opened ('' once the resident is erased)
    return {
        "participant_id": participant_id,
        "messages": [
            {
                "message_id": str(r["message_id"]),
                "template": r["template"],
                "subject": r["subject"],
                "body": r["body"],
                "channel": r["channel"],
                "status": r["status"],
                "attempts": r["attempts"],
                "last_error": r["last_error"],
                "about_event_type": r["about_event_type"],
                "about_event_id": str(r["about_event_id"]),
                "created_at": _iso(r["created_at"]),
                "updated_at": _iso(r["updated_at"]),
                "sent_at": _iso(r["sent_at"]),
            }
            for r in rows
        ],
    }


@router.get("/messages/summary", tags=["messages"])
async def messages_summary(request: Request) -> dict[str, Any]:
    """How many messages of each template are pending, sent or failed."""
    rows = await messages.summary(_pool(request))
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["status"]] = totals.get(r["status"], 0) + r["count"]
    return {
        "by_template": [
            {"template": r["template"], "status": r["status"], "count": r["count"]} for r in rows
        ],
        "totals": totals,
    }
