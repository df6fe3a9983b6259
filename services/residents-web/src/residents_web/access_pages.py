"""The front door of a resident's right of access (UU 27/2022 PDP): the resident asks what
is held about them with the receipt code of one of their proposals, their NIK and their
birth date — all three POSTed, never in an address — and reads enrollment's access report
(``POST /residents/access``): what Dinas Sosial holds, who else receives which field, why
and for how long, every decision about them. Any mismatch is the API's one "not found",
counted against the same failed look-up limits as the status page.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from residents_web.i18n import language
from residents_web.metrics import LOOKUPS
from residents_web.pages import Lang, apis_of, limiter_of, refused
from residents_web.render import page
from residents_web.security import client_of, form_is_genuine

__all__ = ["day_of", "router"]

router = APIRouter()
_NIK = re.compile(r"^[0-9]{16}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@router.get("/akses-data", response_class=HTMLResponse)
async def access_form(request: Request, lang: Lang = None) -> HTMLResponse:
    """The form: receipt code, NIK, birth date."""
    return page(request, "access_form.html", language(lang), form=True, problem=None)


@router.post("/akses-data", response_class=HTMLResponse)
async def access_result(request: Request) -> HTMLResponse:
    """The access report, or the one "not found"; nothing typed is written back."""
    form = await request.form()
    lang = language(str(form.get("lang") or ""))
    if not await form_is_genuine(request):
        return refused(request, lang, "expired", "access")
    code = str(form.get("receipt_code") or "").strip().upper().replace(" ", "")
    nik = str(form.get("nik") or "").strip().replace(" ", "")
    born = str(form.get("birth_date") or "").strip()
    if not code or not _NIK.fullmatch(nik) or not _DATE.fullmatch(born):
        LOOKUPS.labels("access", "invalid").inc()
        return page(request, "access_form.html", lang, status=422, form=True, problem="missing")
    client, failures = client_of(request), limiter_of(request)
    if failures.blocked(client):
        return refused(request, lang, "too_many", "access")
    body = {"receipt_code": code, "nik": nik, "birth_date": born, "lang": lang}
    answer = await apis_of(request).access_report(body, client)
    if answer.kind in {"not_found", "invalid"}:
        failures.fail(client)
        LOOKUPS.labels("access", "not_found").inc()
        return page(request, "access_form.html", lang, status=404, form=True, problem="not_found")
    if answer.kind != "ok":
        return refused(request, lang, answer.kind, "access")
    LOOKUPS.labels("access", "ok").inc()
    return page(request, "access_report.html", lang, report=answer.body, day=day_of)


def day_of(timestamp: Any) -> date | None:
    """The day of one of the report's ISO timestamps, for ``when()`` to write out."""
    return date.fromisoformat(str(timestamp)[:10]) if timestamp else None
