"""The feedback channel's pages: send a question, complaint or input (the tracking number
and access code come back once, on the receipt page) and follow it (tracking number and
access code posted, never in the address) to the agency in charge, its due date, its answer.

The form's values are the API's own (notifications.domain.feedback: kinds, topics); the
API checks them and this page says which field is wrong, in the resident's language.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.datastructures import FormData
from fastapi.responses import HTMLResponse

from residents_web.i18n import Language, language
from residents_web.metrics import LOOKUPS
from residents_web.pages import Lang, apis_of, limiter_of, refused
from residents_web.render import page
from residents_web.security import client_of, form_is_genuine
from residents_web.views import track_view

__all__ = ["router"]

router = APIRouter()

KINDS = ("pengaduan", "pertanyaan", "masukan")
TOPICS = ("usulan_kepesertaan", "verifikasi_kuota", "kartu_faskes", "lainnya")
CHANNELS = ("whatsapp", "sms", "email")
# The channel's own pattern (notifications.domain.tracking): anything else is asked nowhere.
_TRACKING = re.compile(r"^(ADU|TNY|MSK)-[0-9]{4}-[0-9]{6,}$")


def _form_page(
    request: Request, lang: Language, values: dict[str, str], errors: list[str], status: int
) -> HTMLResponse:
    return page(
        request, "feedback_form.html", lang, status=status, form=True,
        values=values, errors=errors, kinds=KINDS, topics=TOPICS, channels=CHANNELS,
    )  # fmt: skip


@router.get("/sampaikan", response_class=HTMLResponse)
async def feedback_form(request: Request, lang: Lang = None) -> HTMLResponse:
    """The form: kind, topic, message, and where to send the answer (optional)."""
    return _form_page(request, language(lang), {"kind": "pengaduan"}, [], 200)


def _submission(form: FormData) -> tuple[dict[str, str], dict[str, Any]]:
    values = {
        name: str(form.get(name) or "").strip()
        for name in ("kind", "topic", "message", "channel", "address")
    }
    body: dict[str, Any] = {
        "kind": values["kind"] or None,
        "topic": values["topic"] or None,
        "message": values["message"] or None,
    }
    if values["address"]:
        body["reply_to"] = {"channel": values["channel"] or None, "address": values["address"]}
    return values, body


@router.post("/sampaikan", response_class=HTMLResponse)
async def feedback_submit(request: Request) -> HTMLResponse:
    """Hands the form to the feedback channel; the receipt page shows the tracking number
    and the access code, once (the channel stores only the code's hash)."""
    form = await request.form()
    lang = language(str(form.get("lang") or ""))
    if not await form_is_genuine(request):
        return refused(request, lang, "expired", "feedback")
    values, body = _submission(form)
    answer = await apis_of(request).submit_feedback(body, client_of(request))
    if answer.kind == "invalid":
        fields = sorted({e["field"].removeprefix("reply_to.") for e in answer.errors})
        LOOKUPS.labels("feedback", "invalid").inc()
        return _form_page(request, lang, values, fields, 422)
    if answer.kind != "ok":
        return refused(request, lang, answer.kind, "feedback")
    LOOKUPS.labels("feedback", "ok").inc()
    due = date.fromisoformat(str(answer.body["due_date"]))
    return page(request, "feedback_receipt.html", lang, receipt=answer.body, due_date=due)


@router.get("/lacak", response_class=HTMLResponse)
async def track_form(request: Request, lang: Lang = None) -> HTMLResponse:
    """The form: tracking number and access code, as the receipt gave them."""
    return page(request, "track_form.html", language(lang), form=True, problem=None, values={})


@router.post("/lacak", response_class=HTMLResponse)
async def track_result(request: Request) -> HTMLResponse:
    """Where the item stands: the agency in charge, the due date, the answer. The same
    "not found" for an unknown number and a wrong code; failed look-ups are limited."""
    form = await request.form()
    lang = language(str(form.get("lang") or ""))
    if not await form_is_genuine(request):
        return refused(request, lang, "expired", "track")
    number = str(form.get("tracking_number") or "").strip().upper()
    code = str(form.get("access_code") or "").strip().upper().replace(" ", "")
    values = {"tracking_number": number}
    if not number or not code:
        LOOKUPS.labels("track", "invalid").inc()
        return page(
            request, "track_form.html", lang, status=422, form=True,
            problem="missing", values=values,
        )  # fmt: skip
    client, failures = client_of(request), limiter_of(request)
    if failures.blocked(client):
        return refused(request, lang, "too_many", "track")
    answer = (
        await apis_of(request).track(number, code, client) if _TRACKING.fullmatch(number) else None
    )
    if answer is None or answer.kind == "not_found":
        failures.fail(client)
        LOOKUPS.labels("track", "not_found").inc()
        return page(
            request, "track_form.html", lang, status=404, form=True,
            problem="not_found", values=values,
        )  # fmt: skip
    if answer.kind != "ok":
        return refused(request, lang, answer.kind, "track")
    LOOKUPS.labels("track", "ok").inc()
    return page(request, "track_result.html", lang, item=track_view(answer.body))
