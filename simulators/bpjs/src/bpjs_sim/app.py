"""The simulator's FastAPI application."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

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


async def _log_route(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    # The route template, never the path itself: paths carry NIKs and card numbers.
    route = getattr(request.scope.get("route"), "path", "<unmatched>")
    _access_log.info("%s %s %s", request.method, route, response.status_code)
    if request.url.path.startswith((VCLAIM_PATH, PEMDA_PATH)):
        context: SimContext = request.app.state.sim
        context.calls[f"{request.method} {route}"] += 1
    return response


def create_app(settings: SimSettings | None = None, store: SqliteStore | None = None) -> FastAPI:
    """Build the simulator; ``settings`` default to the environment, ``store`` to its file."""
    settings = settings or SimSettings.from_env()
    app = FastAPI(title="BPJS Kesehatan bridging simulator", docs_url="/_sim/docs")
    app.state.sim = SimContext(settings=settings, store=store or SqliteStore(settings.db_path))
    app.include_router(vclaim.router, prefix=VCLAIM_PATH)
    app.include_router(pemda.router, prefix=PEMDA_PATH)
    app.include_router(admin.router, prefix="/_sim")
    app.add_exception_handler(Preempted, _preempted)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.middleware("http")(_log_route)
    return app
