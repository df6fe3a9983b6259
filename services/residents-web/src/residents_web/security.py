"""What keeps the pages safe by default.

- Every answer carries a strict Content-Security-Policy (nothing but this site's own style
  sheet; no script at all, no frames, forms post only here), ``no-referrer`` (a result
  page's address never reaches another site) and ``no-store`` on every page: a status, a
  receipt with its access code, an answer must not stay in a shared phone's cache.
- Forms carry an anti-forgery token (double-submit cookie, fastapi-csrf-protect), checked
  before anything is asked of an agency: another site cannot make a resident's browser file
  a complaint or spend their failed look-ups.
- Failed look-ups are counted per client here too (jkn_bus.limits.FailureLimiter), beside
  the APIs' own limits, which count the same client (apis: ``X-Forwarded-For``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi_csrf_protect import CsrfProtect
from fastapi_csrf_protect.exceptions import CsrfProtectError

from residents_web.settings import WebSettings

__all__ = [
    "CSP",
    "client_of",
    "configure_csrf",
    "form_is_genuine",
    "install_headers",
]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_STATIC_MAX_AGE = "public, max-age=86400"


def install_headers(app: FastAPI) -> None:
    """Security headers on every answer; only the style sheet may be cached."""

    @app.middleware("http")
    async def _headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        static = request.url.path.startswith("/static/")
        response.headers["Cache-Control"] = _STATIC_MAX_AGE if static else "no-store"
        return response


def configure_csrf(settings: WebSettings) -> None:
    """The library keeps its configuration on the class: set once, at app build."""

    @CsrfProtect.load_config
    def _config() -> list[tuple[str, object]]:
        return [
            ("secret_key", settings.csrf_secret),
            ("cookie_key", "jkn-csrf"),
            ("cookie_samesite", "strict"),
            ("cookie_secure", settings.cookie_secure),
            ("token_location", "body"),
            ("token_key", "csrf_token"),
            ("max_age", 3600),
        ]


async def form_is_genuine(request: Request) -> bool:
    """True when the posted form carries the token of this browser's cookie (the form is
    read first: the library takes the token from the parsed form)."""
    await request.form()
    try:
        await CsrfProtect().validate_csrf(request)
    except CsrfProtectError:
        return False
    return True


def client_of(request: Request) -> str:
    """The resident's address: uvicorn already took it from ``X-Forwarded-For`` when the
    request came through a trusted proxy (``FORWARDED_ALLOW_IPS``)."""
    return request.client.host if request.client else "unknown"
