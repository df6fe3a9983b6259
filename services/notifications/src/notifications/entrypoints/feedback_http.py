"""HTTP face of the feedback channel: the web form / API, the SMS and WhatsApp webhooks,
the sender's status query (with the access code), and the agencies' queue and answers.

Errors name the field and the rule, never the value. An agency's staff act as the agency
their token names (jkn_contracts.access): the queue, answers and reroutes are theirs only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from jkn_bus.auth import Forbidden
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response
from jkn_bus.limits import FailureLimiter
from jkn_bus.unit_of_work import actor_of

from notifications.adapters import feedback
from notifications.app.feedback import FeedbackDesk, NotFound, Receipt
from notifications.domain.feedback import Agency, classify
from notifications.domain.feedback_forms import (
    FieldError,
    ReplyTo,
    read_answer,
    read_inbound,
    read_reroute,
    read_submission,
)
from notifications.domain.tracking import code_matches, is_tracking_number
from notifications.entrypoints.bodies import ANSWER, FEEDBACK, INBOUND, REROUTE
from notifications.entrypoints.webhooks import SignedWebhook

__all__ = ["router"]

router = APIRouter(tags=["feedback"])

_NOT_FOUND = FieldError(
    "tracking_number",
    "NOT_FOUND",
    "No feedback item with this tracking number and access code. / "
    "Tidak ada butir dengan nomor pelacakan dan kode akses ini.",
)
_TOO_MANY = FieldError(
    "code",
    "TOO_MANY_ATTEMPTS",
    "Too many failed look-ups; try again later. / Terlalu banyak percobaan gagal; coba lagi nanti.",
)


def _desk(request: Request) -> FeedbackDesk:
    desk: FeedbackDesk = request.app.state.feedback
    return desk


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None  # the readers answer BODY_INVALID


def _receipt(r: Receipt) -> dict[str, Any]:
    return {
        "tracking_number": r.tracking_number,
        "agency": r.agency,
        "due_date": r.due_date.isoformat(),
    }


@router.post("/feedback", status_code=201, openapi_extra=FEEDBACK)
async def submit(request: Request) -> JSONResponse:
    """The web form / API: 201 with the tracking number and the access code (shown once)."""
    form = read_submission(await _json(request))
    if isinstance(form, list):
        return errors_response(422, form)
    receipt = await _desk(request).receive(
        channel="web", kind=form.kind, topic=form.topic, message=form.message,
        reply_to=form.reply_to, participant_id=form.participant_id,
    )  # fmt: skip
    return JSONResponse(
        status_code=201, content={**_receipt(receipt), "access_code": receipt.access_code}
    )


@router.post("/feedback/inbound/{channel}", openapi_extra=INBOUND)
async def inbound(
    request: Request, channel: Literal["sms", "whatsapp"], signed: SignedWebhook
) -> JSONResponse:
    """A provider's webhook ({message_id, from, text, timestamp}), signed by the provider
    (401 otherwise: entrypoints.webhooks). The sender is answered on the same channel; a
    redelivery (same message_id) answers 200 with the same item and no reply.
    The code travels only in the reply to the sender, never in this response."""
    try:
        delivery = read_inbound(json.loads(signed))
    except ValueError:
        delivery = read_inbound(None)  # BODY_INVALID
    if isinstance(delivery, list):
        return errors_response(422, delivery)
    kind, topic = classify(delivery.text)
    receipt = await _desk(request).receive(
        channel=channel, kind=kind, topic=topic, message=delivery.text,
        reply_to=ReplyTo(channel, delivery.sender), inbound_message_id=delivery.message_id,
    )  # fmt: skip
    return JSONResponse(
        status_code=201 if receipt.created else 200,
        content={**_receipt(receipt), "duplicate": not receipt.created},
    )


@router.get("/feedback/{tracking_number}")
async def status(
    request: Request, tracking_number: str, code: Annotated[str | None, Query()] = None
) -> JSONResponse:
    """Where the item stands, for whoever holds its access code (404 otherwise, the same
    for an unknown number and a wrong code; failed look-ups are rate-limited)."""
    limiter: FailureLimiter = request.app.state.feedback_limiter
    client = request.client.host if request.client else "?"
    if limiter.blocked(client):
        return errors_response(429, [_TOO_MANY])
    desk = _desk(request)
    item = (
        await feedback.find(desk.pool, tracking_number)
        if is_tracking_number(tracking_number)
        else None
    )
    if item is None or not code_matches(code, bytes(item["access_hash"])):
        limiter.fail(client)
        return errors_response(404, [_NOT_FOUND])
    history = await feedback.history(desk.pool, tracking_number)
    answered = item["status"] == "answered"
    return JSONResponse(
        {
            "tracking_number": tracking_number,
            "kind": item["kind"],
            "topic": item["topic"],
            "agency": item["agency"],
            "status": item["status"],
            "received_at": item["received_at"].isoformat(),
            "due_date": item["due_date"].isoformat(),
            "overdue": not answered and item["due_date"] < desk.today(),
            "answer": {
                "text": await feedback.answer_of(desk.pool, request.app.state.at_rest, item),
                "answered_at": item["answered_at"].isoformat(),
            }
            if answered
            else None,
            "history": [
                {
                    "action": h["action"],
                    "agency": h["agency"],
                    "detail": h["detail"],
                    "at": h["at"].isoformat(),
                }
                for h in history
            ],
        }
    )


@router.get("/feedback")
async def agency_queue(
    request: Request,
    caller: Caller,
    agency: Annotated[Agency | None, Query()] = None,
    status: Annotated[Literal["open", "answered"], Query()] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """An agency's items, oldest due date first, with overdue flags; no contact details.
    ``agency`` defaults to the caller's; an agent may read no other agency's queue."""
    agency = agency or cast(Agency, caller.agency)
    caller.require_agency(agency)
    desk = _desk(request)
    columns = request.app.state.at_rest
    rows = await feedback.queue(
        desk.pool, columns, agency, "received" if status == "open" else "answered", limit
    )
    today = desk.today()
    await desk.refresh_metrics()
    return {
        "agency": agency,
        "status": status,
        "today": today.isoformat(),
        "items": [
            {
                "tracking_number": r["tracking_number"],
                "kind": r["kind"],
                "topic": r["topic"],
                "channel": r["channel"],
                "message": r["message"],
                "participant_id": r["participant_id"],
                "received_at": r["received_at"].isoformat(),
                "due_date": r["due_date"].isoformat(),
                "overdue": status == "open" and r["due_date"] < today,
            }
            for r in rows
        ],
    }


@router.post("/feedback/{tracking_number}/answer", openapi_extra=ANSWER)
async def answer(request: Request, caller: Caller, tracking_number: str) -> JSONResponse:
    """The routed agency answers (403 OUTSIDE_AGENCY for any other, 409 ALREADY_ANSWERED
    the second time); the sender is told through their reply channel."""
    form = read_answer(
        await _json(request), agency=cast(Agency, caller.agency), answered_by=caller.actor
    )
    if isinstance(form, list):
        return errors_response(422, form)
    actor = actor_of(caller)  # stated with the answer (FeedbackAnswered)
    return await _act(
        request, tracking_number, lambda desk: desk.answer(tracking_number, form, actor=actor)
    )


@router.post("/feedback/{tracking_number}/reroute", openapi_extra=REROUTE)
async def reroute(request: Request, caller: Caller, tracking_number: str) -> JSONResponse:
    """The agency holding a misrouted item hands it on; the due date is kept."""
    form = read_reroute(await _json(request), from_agency=cast(Agency, caller.agency))
    if isinstance(form, list):
        return errors_response(422, form)
    actor = actor_of(caller)  # stated with the reroute (FeedbackRerouted)
    return await _act(
        request, tracking_number, lambda desk: desk.reroute(tracking_number, form, actor=actor)
    )


async def _act(
    request: Request,
    tracking_number: str,
    action: Callable[[FeedbackDesk], Awaitable[FieldError | None]],
) -> JSONResponse:
    desk = _desk(request)
    unknown = FieldError(
        "tracking_number", "NOT_FOUND",
        "No feedback item with this tracking number. / Tidak ada butir dengan nomor ini.",
    )  # fmt: skip
    if not is_tracking_number(tracking_number):
        return errors_response(404, [unknown])
    try:
        problem = await action(desk)
    except NotFound:
        return errors_response(404, [unknown])
    if problem is not None and problem.rule == "WRONG_JURISDICTION":
        raise Forbidden("OUTSIDE_AGENCY")
    if problem is not None:
        return errors_response(409, [problem])
    item = await feedback.find(desk.pool, tracking_number)
    assert item is not None
    return JSONResponse(
        {"tracking_number": tracking_number, "agency": item["agency"], "status": item["status"]}
    )
