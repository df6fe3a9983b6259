"""HTTP API of a resident's right of access (UU 27/2022 PDP): the resident's own request,
and an officer's export of the same report for a written request (``app.access``).

``POST /residents/access`` takes no token: the resident proves who they are with the
receipt code of one of their proposals, their NIK and their birth date, all three in the
body (never in a URL, where proxies and logs keep them). Any mismatch is the same 404 with
the same body — a wrong NIK, a wrong code and a wrong birth date cannot be told apart —
and counts against the failure limit the receipt-code status route uses
(``entrypoints.state.receipt_failures``: per client address, ``ENROLLMENT_STATUS_FAILURES_
PER_10MIN``, then 429). ``GET /residents/{participant_id}/access-report`` is the officer's
(``dinsos-officer``; ``?format=text`` prints it). The decisions come from the audit
service; when it cannot be read the answer is 503 with a code (the resident may try again),
never a report without them. Each answer is recorded as AccessRequestAnswered: by the
resident (no actor; the participant id is their pseudonym) or with the officer as actor.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from jkn_bus.guard import Caller
from jkn_bus.http import errors_response, runtime_of
from jkn_bus.unit_of_work import actor_of
from jkn_contracts import AccessRequestAnswered, AccessRequester, Actor, participant_id_for
from jkn_contracts.envelope import PARTICIPANT_ID_PATTERN
from jkn_contracts.events import AccessRequestAnsweredPayload

from enrollment.adapters.access_records import proposals_held
from enrollment.adapters.audit_client import AuditTrail, AuditUnavailable
from enrollment.app.access import (
    HeldProposal,
    Periods,
    access_document,
    authenticated,
    language_of,
    read_access_form,
)
from enrollment.app.access_text import render_text
from enrollment.domain import FieldError
from enrollment.entrypoints import state
from enrollment.entrypoints.bodies import ACCESS_FORM

__all__ = ["router"]

router = APIRouter()
log = logging.getLogger(__name__)

_PARTICIPANT_ID = re.compile(PARTICIPANT_ID_PATTERN)
_PRIVATE = {"cache-control": "no-store"}  # a resident's data: never kept by a cache
_NOT_FOUND = {
    "errors": [
        {
            "field": "resident",
            "rule": "NOT_FOUND",
            "message": "No resident with this receipt code, NIK and birth date. / Tidak ada "
            "penduduk dengan kode tanda terima, NIK, dan tanggal lahir ini.",
        }
    ]
}
_TOO_MANY = FieldError(
    "receipt_code",
    "TOO_MANY_ATTEMPTS",
    "Too many failed look-ups; try again later. / Terlalu banyak percobaan gagal; coba lagi nanti.",
)
_UNAVAILABLE = (
    "The decisions about you cannot be read right now; please try again in a few minutes. / "
    "Keputusan tentang Anda belum dapat dibaca; silakan coba lagi beberapa menit lagi."
)


def periods(request: Request) -> Periods:
    """The retention periods the report quotes: the service's (``state.settings``) and the
    runtime's (``JKN_RETENTION_*``), both read at start."""
    kept = runtime_of(request).retention_settings
    return Periods(state.settings(request).erasure_after.days, kept.outbox_days)


async def _answer(
    request: Request,
    participant_id: str,
    proposals: list[HeldProposal],
    *,
    lang: str,
    requested_by: AccessRequester,
    actor: Actor | None,
) -> JSONResponse | dict[str, Any]:
    """The whole report, recorded as answered; 503 with a code when the trail is not had."""
    trail: AuditTrail = request.app.state.audit_trail
    try:
        facts = await trail.history(participant_id)
    except AuditUnavailable as unavailable:
        log.warning("access report not answered: %s", unavailable.code)
        error = FieldError("decisions", unavailable.code, _UNAVAILABLE)
        return errors_response(503, [error], headers={"retry-after": "60"})
    document = access_document(
        participant_id=participant_id,
        proposals=proposals,
        facts=facts,
        periods=periods(request),
        lang="en" if lang == "en" else "id",
        generated_at=datetime.now(UTC),
    )
    runtime = runtime_of(request)
    async with runtime.unit_of_work(actor=actor) as uow:
        await uow.emit(
            AccessRequestAnswered(
                participant_id=participant_id,
                correlation_id=uuid.uuid4(),
                actor=actor,
                payload=AccessRequestAnsweredPayload(
                    requested_by=requested_by, decisions=len(facts)
                ),
            )
        )
    return document


@router.post("/residents/access", tags=["residents"], openapi_extra=ACCESS_FORM)
async def resident_access(request: Request) -> JSONResponse:
    """A resident's own access report (receipt code, NIK, birth date in the body; ``lang``
    ``id`` or ``en``, else Accept-Language). 404 for any mismatch, 429 past the failure
    limit, 422 for a malformed form, 503 when the decisions cannot be read."""
    client = request.client.host if request.client else "?"
    receipt_failures = state.receipt_failures(request)
    if receipt_failures.blocked(client):
        return errors_response(429, [_TOO_MANY])
    try:
        body = json.loads(await request.body())
    except ValueError:
        msg = "The body is not valid JSON. / Isi permintaan bukan JSON yang sah."
        return errors_response(422, [FieldError("body", "JSON_INVALID", msg)])
    form = read_access_form(body, request.headers.get("accept-language"))
    if isinstance(form, list):
        return errors_response(422, form)
    runtime = runtime_of(request)
    participant_id = participant_id_for(form.nik, runtime.settings.jkn_pseudonym_key)
    async with runtime.unit_of_work() as uow:  # a read: nothing is written in it
        proposals = await proposals_held(uow.conn, participant_id)
    if not authenticated(proposals, form.receipt_code, form.birth_date):
        receipt_failures.fail(client)
        return JSONResponse(status_code=404, content=_NOT_FOUND)
    answer = await _answer(
        request,
        participant_id,
        proposals,
        lang=form.lang,
        requested_by=AccessRequester.RESIDENT,
        actor=None,
    )
    if isinstance(answer, JSONResponse):
        return answer
    return JSONResponse(answer, headers=_PRIVATE)


@router.get("/residents/{participant_id}/access-report", tags=["residents"], response_model=None)
async def access_report(
    request: Request,
    participant_id: str,
    caller: Caller,
    format: Annotated[str, Query(pattern="^(json|text)$")] = "json",
    lang: Annotated[str | None, Query(pattern="^(id|en)$")] = None,
) -> Response:
    """An officer's export of a resident's access report, for their written request
    (``format=text``: plain text to print). 404 for an id Dinas Sosial never proposed."""
    proposals: list[HeldProposal] = []
    if _PARTICIPANT_ID.fullmatch(participant_id):
        async with runtime_of(request).unit_of_work() as uow:  # a read: nothing is written
            proposals = await proposals_held(uow.conn, participant_id)
    if not proposals:
        message = "No resident with this id. / Tidak ada penduduk dengan id ini."
        return errors_response(404, [FieldError("participant_id", "NOT_FOUND", message)])
    answer = await _answer(
        request,
        participant_id,
        proposals,
        lang=language_of(lang, request.headers.get("accept-language")),
        requested_by=AccessRequester.OFFICER,
        actor=actor_of(caller),
    )
    if isinstance(answer, JSONResponse):
        return answer
    if format == "text":
        return PlainTextResponse(render_text(answer), headers=_PRIVATE)
    return JSONResponse(answer, headers=_PRIVATE)
