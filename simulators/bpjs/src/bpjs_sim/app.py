"""The simulator's FastAPI application."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bpjs_sim import admin, pemda, vclaim
from bpjs_sim.context import SimContext
from bpjs_sim.faults import ERROR_PAGE
from bpjs_sim.settings import SimSettings
from bpjs_sim.signed import Preempted
from bpjs_sim.store import SqliteStore

__all__ = ["create_app"]

VCLAIM_PATH = "/vclaim-rest"
PEMDA_PATH = "/pemda-rest"
_access_log = logging.getLogger("bpjs_sim.access")


async def _preempted(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Preempted)
    return exc.response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # Like the real gateway, a wrong path under the BPJS services gets an HTML page.
    if exc.status_code == 404 and request.url.path.startswith((VCLAIM_PATH, PEMDA_PATH)):
        return HTMLResponse(ERROR_PAGE, status_code=404)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)


class _RouteLog:
    """Logs and counts each request by route template, never by path (paths carry NIKs
    and card numbers). Plain ASGI rather than ``@app.middleware``: Starlette's
    ``BaseHTTPMiddleware`` costs an extra task and a body stream per request, a good
    share of a look-up's CPU once the register is answered from memory."""

    def __init__(self, app: ASGIApp, context: SimContext) -> None:
        self._app = app
        self._context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        bpjs_route = scope["path"].startswith((VCLAIM_PATH, PEMDA_PATH))
        concurrency = self._context.concurrency
        started = concurrency.enter() if bpjs_route else 0.0
        try:
            await self._app(scope, receive, send_and_note)
        finally:
            if bpjs_route:
                concurrency.leave(started)
        # The router has put the matched route into this same scope by now.
        route = getattr(scope.get("route"), "path", "<unmatched>")
        method = scope["method"]
        _access_log.info("%s %s %s", method, route, status)
        if bpjs_route:
            self._context.calls[f"{method} {route}"] += 1


def create_app(settings: SimSettings | None = None, store: SqliteStore | None = None) -> FastAPI:
    """Build the simulator; ``settings`` default to the environment, ``store`` to its file."""
    settings = settings or SimSettings.from_env()
    app = FastAPI(title="BPJS Kesehatan bridging simulator", docs_url="/_sim/docs")
    context = SimContext(settings=settings, store=store or SqliteStore(settings.db_path))
    app.state.sim = context
    app.include_router(vclaim.router, prefix=VCLAIM_PATH)
    app.include_router(pemda.router, prefix=PEMDA_PATH)
    app.include_router(admin.router, prefix="/_sim")
    app.add_exception_handler(Preempted, _preempted)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(_RouteLog, context=context)
    return app
