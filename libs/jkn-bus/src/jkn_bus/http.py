"""The HTTP face of a service: FastAPI app whose lifespan runs the ServiceRuntime.

Every route is authorized by the policy table (jkn_contracts.access, enforced by
jkn_bus.guard): an app with a route the table does not name is not built.
Every service serves ``/health`` and ``/metrics`` (Prometheus). Request validation errors
are answered by our own handler: FastAPI's default echoes the offending ``input`` (a NIK,
a name) in the 422 body; ours names the field and the rule only. Bad bodies are refused
before any route reads them: too large (413, jkn_bus.body_limits), nested too deep (422,
jkn_bus.json_depth).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from types import FrameType
from typing import Any

import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from opentelemetry import trace
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from jkn_bus.auth import TokenVerifier
from jkn_bus.background import background_of
from jkn_bus.body_limits import install_body_limits
from jkn_bus.dead_letters_http import router as dead_letter_routes
from jkn_bus.dev_secrets import DevSecretsOutsideDev, refuse_dev_secrets
from jkn_bus.field_errors import ErrorItem
from jkn_bus.guard import Guard, authorize, install_error_answers
from jkn_bus.json_depth import JsonDepthMiddleware
from jkn_bus.logs import configure_logging
from jkn_bus.service import ServiceRuntime

__all__ = ["EVENT_LOOP", "create_app", "errors_response", "field_errors", "runtime_of", "serve"]

# The services run on Python's own asyncio loop, not uvloop. Under uvloop a write to a
# connection the broker has just closed raises RuntimeError ("the handler is closed")
# where asyncio drops the write and reports the loss through the protocol; aiokafka
# catches only OSError there (aio-libs/aiokafka#1038), so the exception killed the
# client's metadata task, and every consumer commit, heartbeat and offset request then
# waited for metadata forever: after a broker restart a service consumed nothing again
# (docs/pitfalls.md#uvloop-broker-restart; tests/unit/bus/test_event_loop.py).
EVENT_LOOP = "asyncio"


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic/FastAPI errors as [{field, rule, message}] without the input values."""
    return [
        {
            "field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")),
            "rule": str(e["type"]),
            "message": str(e["msg"]),
        }
        for e in errors
    ]


def errors_response(
    status: int,
    errors: Iterable[ErrorItem],
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """``{"errors": [...], **extra}`` with ``status``: the one shape of every error body,
    so a client reads any service's refusals the same way."""
    body = [e.as_json() for e in errors]
    return JSONResponse(status_code=status, content={"errors": body, **extra}, headers=headers)


def runtime_of(request: Request) -> ServiceRuntime:
    """The ServiceRuntime ``create_app`` put on the app (``app.state.runtime``), typed."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def create_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    on_started: Callable[[], Any] | None = None,
    before_metrics: Callable[[], Awaitable[None]] | None = None,
    guard: Guard | None = None,
) -> FastAPI:
    """A FastAPI app that starts ``runtime`` on startup and stops it on shutdown.

    ``before_metrics`` runs before each ``/metrics`` answer: gauges read from the database
    are set there, so a scrape sees the state, not the last change this replica made."""

    @contextlib.asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        started.state.guard.check_routes(started)  # routes added after create_app too
        await runtime.start()
        try:
            if on_started is not None:
                await on_started()
            async with contextlib.AsyncExitStack() as serving:
                for work in background_of(started):  # jkn_bus.background
                    await serving.enter_async_context(work())
                yield
        finally:
            await runtime.stop()

    settings = runtime.settings
    docs = settings.jkn_api_docs
    app = FastAPI(
        title=title,
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(authorize)],
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.runtime = runtime
    app.state.background = []  # jkn_bus.background.add_background
    # the depth check buffers the body: added first, it runs behind the size limit; the
    # upload routes (given their own size limit) carry CSV, not JSON
    app.add_middleware(
        JsonDepthMiddleware,
        max_depth=settings.http_max_json_depth,
        skip=lambda path: path in app.state.body_limits.routes,
    )
    install_body_limits(app, runtime.settings.http_max_body_bytes)  # 413 beyond
    app.state.guard = guard or Guard(
        settings.service,
        TokenVerifier(
            settings.jkn_oidc_issuer,
            settings.jkn_oidc_audience,
            jwks_url=settings.jkn_oidc_jwks_url,
            leeway_s=settings.jkn_oidc_leeway_s,
        ),
        actor_key=settings.jkn_pseudonym_key,
        metrics_public=settings.jkn_metrics_public,
        write_limit=settings.jkn_write_rate_limit,
    )
    install_error_answers(app, settings.service)
    for router in (*routers, dead_letter_routes):
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"errors": field_errors(exc.errors())})

    @app.middleware("http")
    async def _span(request: Request, call_next: Any) -> Any:
        # A SERVER span per request; the route template, never the concrete path (it may
        # hold an id a resident typed in).
        with trace.get_tracer("jkn_bus.http").start_as_current_span(
            f"{request.method} {request.url.path.split('/')[1] if request.url.path != '/' else ''}",
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": request.method, "service": runtime.settings.service},
        ) as span:
            response = await call_next(request)
            route = request.scope.get("route")
            if route is not None:
                span.update_name(f"{request.method} {route.path}")
                span.set_attribute("http.route", route.path)
            span.set_attribute("http.response.status_code", response.status_code)
            return response

    @app.get("/health", tags=["operations"])
    async def health() -> JSONResponse:
        """200 "ok", or 503 "stalled" when the consumer makes no progress (its
        ``consumer.stalled`` says why: jkn_bus.liveness); a restart is what helps then."""
        answer: dict[str, Any] = {
            "service": runtime.settings.service,
            "status": "ok",
            "relay_active": runtime.relay.active.is_set(),
        }
        if runtime.liveness is not None:
            answer["consumer"] = consumer = runtime.liveness.report()
            if consumer["stalled"] is not None:
                answer["status"] = "stalled"
                return JSONResponse(answer, status_code=503)
        return JSONResponse(answer)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        if before_metrics is not None:
            await before_metrics()
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.state.guard.check_routes(app)
    return app


def _stopped_on_request(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(app: FastAPI, runtime: ServiceRuntime) -> None:
    """Run ``app`` with uvicorn on the runtime's configured host and port (JSON logs).
    Outside development, dev secrets stop it here with the settings' names (exit 1).

    SIGTERM is an orderly stop: uvicorn shuts the lifespan down (``runtime.stop()``), then
    re-raises the signal to the handler it found, which here exits 0 — not uvicorn's
    default of dying by the signal, which an orchestrator would count as a crash."""
    configure_logging(runtime.settings.service)
    try:
        refuse_dev_secrets(runtime.settings, runtime.secrets)
    except DevSecretsOutsideDev as exc:
        raise SystemExit(str(exc)) from None  # names the settings, never their values
    signal.signal(signal.SIGTERM, _stopped_on_request)
    uvicorn.run(
        app,
        host=runtime.settings.http_host,
        port=runtime.settings.http_port,
        log_config=None,
        access_log=False,
        loop=EVENT_LOOP,
        # a C HTTP parser (a dependency of jkn-bus): h11 was a large share of each
        # service's CPU under load (make profile)
        http="httptools",
    )
