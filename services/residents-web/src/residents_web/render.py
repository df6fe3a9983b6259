"""Pages rendered on the server by Jinja2 with autoescaping: whatever an agency or a resident
wrote (an answer, a reason) is text on the page, never markup. No page needs JavaScript."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from fastapi_csrf_protect import CsrfProtect
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from residents_web.i18n import Language, translator, written_date

__all__ = ["AGENCY_NAMES", "STATIC", "page"]

# The agencies by the names the feedback channel gives them (notifications' routing).
AGENCY_NAMES = {
    "dinsos": "Dinas Sosial",
    "dinkes": "Dinas Kesehatan",
    "bpjs-gateway": "Meja layanan BPJS Kesehatan Pemerintah Kota",
}

STATIC = Path(__file__).parent / "static"

_env = Environment(
    loader=PackageLoader("residents_web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the test, not the resident
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates = Jinja2Templates(env=_env)


def _link(lang: Language) -> Any:
    def link(path: str, **query: str) -> str:
        params = {**query, **({"lang": "en"} if lang == "en" else {})}
        return f"{path}?{urlencode(params)}" if params else path

    return link


def page(
    request: Request,
    name: str,
    lang: Language,
    *,
    status: int = 200,
    form: bool = False,
    **context: Any,
) -> HTMLResponse:
    """Render ``name`` in ``lang``; ``form``: the page has a form, so it gets an
    anti-forgery token (hidden field) and its signed twin (cookie)."""
    token = signed = None
    if form:
        token, signed = CsrfProtect().generate_csrf_tokens()

    def when(day: date) -> str:
        return written_date(day, lang)

    _ = translator(lang)

    response = _templates.TemplateResponse(
        request,
        name,
        {
            "_": _,
            "agency_names": {agency: _(name) for agency, name in AGENCY_NAMES.items()},
            "lang": lang,
            "other_lang": "id" if lang == "en" else "en",
            "link": _link(lang),
            "path": request.url.path,
            "when": when,
            "csrf_token": token,
            **context,
        },
        status_code=status,
    )
    if signed is not None:
        CsrfProtect().set_csrf_cookie(signed, response)
    return response
