"""The residents' pages: home, proposal status, help (feedback: feedback_pages).

Codes travel in POST bodies only: a receipt code or an access code in an address would stay
in the phone's history, a shared computer's, a proxy's log. The status is asked with the
receipt code and the birth date (no 36-character proposal number to copy): an unknown code
and a wrong birth date get the same answer, as from the API, and count as a failed look-up.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jkn_bus.limits import FailureLimiter

from residents_web.apis import Apis
from residents_web.i18n import Language, language, translator
from residents_web.metrics import LOOKUPS
from residents_web.render import STATIC, page
from residents_web.security import client_of, form_is_genuine
from residents_web.settings import WebSettings
from residents_web.views import status_view

__all__ = ["Lang", "apis_of", "limiter_of", "refused", "router"]

router = APIRouter()
Lang = Annotated[str | None, Query()]  # anything but "en" is Bahasa Indonesia
_CODE = re.compile(r"^[A-Z0-9]{4,32}$")  # enrollment's receipt codes
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # as a date input sends it


def apis_of(request: Request) -> Apis:
    apis: Apis = request.app.state.apis
    return apis


def limiter_of(request: Request) -> FailureLimiter:
    limiter: FailureLimiter = request.app.state.failures
    return limiter


def refused(request: Request, lang: Language, kind: str, form: str) -> HTMLResponse:
    """A form that could not be answered: forged/expired (400), too many failed look-ups
    (429) or an agency unreachable (503), each said plainly."""
    LOOKUPS.labels(form, kind).inc()
    status = {"expired": 400, "too_many": 429}.get(kind, 503)
    return page(request, "refused.html", lang, status=status, kind=kind)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, lang: Lang = None) -> HTMLResponse:
    """What a resident can do here, in three links."""
    return page(request, "home.html", language(lang))


@router.get("/bantuan", response_class=HTMLResponse)
async def help_page(request: Request, lang: Lang = None) -> HTMLResponse:
    """Who decides what, the documents, the monthly cut-off, how to object."""
    web: WebSettings = request.app.state.web
    return page(
        request, "help.html", language(lang),
        cutoff_day=web.deactivation_cutoff_day, uhc_priority=web.uhc_priority,
    )  # fmt: skip


@router.get("/static/style.css")
async def style() -> Response:
    """The one style sheet (no CDN): cached for a day, the only thing that is."""
    return FileResponse(STATIC / "style.css", media_type="text/css")


@router.get("/cek-status", response_class=HTMLResponse)
async def status_form(request: Request, lang: Lang = None) -> HTMLResponse:
    """The form: the receipt code, as printed on the receipt, and the birth date."""
    return page(request, "status_form.html", language(lang), form=True, problem=None, missing=[])


@router.post("/cek-status", response_class=HTMLResponse)
async def status_result(request: Request) -> HTMLResponse:
    """Where the proposal stands; the same "not found" for an unknown code and a wrong
    birth date, and at most the failed look-ups the API itself allows."""
    form = await request.form()
    lang = language(str(form.get("lang") or ""))
    if not await form_is_genuine(request):
        return refused(request, lang, "expired", "status")
    code = str(form.get("receipt_code") or "").strip().upper().replace(" ", "")
    born = str(form.get("birth_date") or "").strip()
    # neither is ever written back into the page
    missing = [name for name, v in (("receipt_code", code), ("birth_date", born)) if not v]
    if missing or not _DATE.fullmatch(born):
        LOOKUPS.labels("status", "invalid").inc()
        return page(
            request, "status_form.html", lang, status=422, form=True,
            problem="missing", missing=missing or ["birth_date"],
        )  # fmt: skip
    client, failures = client_of(request), limiter_of(request)
    if failures.blocked(client):
        return refused(request, lang, "too_many", "status")
    answer = (  # a code that cannot be one is as unknown as a wrong one, without asking
        await apis_of(request).proposal_status(code, born, client)
        if _CODE.fullmatch(code)
        else None
    )
    if answer is None or answer.kind in {"not_found", "invalid"}:
        failures.fail(client)
        LOOKUPS.labels("status", "not_found").inc()
        return page(
            request, "status_form.html", lang, status=404, form=True,
            problem="not_found", missing=[],
        )  # fmt: skip
    if answer.kind != "ok":
        return refused(request, lang, answer.kind, "status")
    view = status_view(answer.body, translator(lang), lang)
    LOOKUPS.labels("status", "ok").inc()
    return page(request, "status_result.html", lang, view=view)
