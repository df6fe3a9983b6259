"""Composition root of the residents' pages: settings, the agencies' APIs, the HTTP app.

This service owns no data, so it has no ServiceRuntime (no database, no Kafka): the app is
put together from the same pieces ``jkn_bus.create_app`` uses — the policy table's Guard on
every route (pages: no token; ``/metrics``: the platform's operators), PII-free error
answers, body limits, ``/health`` and ``/metrics`` — plus the pages' own safety
(residents_web.security). Environment: RESIDENTS_WEB_HTTP_PORT (8006), residents_web.settings,
and the bus's identity-provider variables (jkn_bus.BusSettings).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from jkn_bus import BusSettings
from jkn_bus.auth import TokenVerifier
from jkn_bus.body_limits import install_body_limits
from jkn_bus.dev_secrets import DevSecretsOutsideDev, dev_defaults_in_use
from jkn_bus.guard import Guard, authorize, install_error_answers
from jkn_bus.limits import FailureLimiter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from residents_web import access_pages, feedback_pages, pages
from residents_web.apis import Apis
from residents_web.security import configure_csrf, install_headers
from residents_web.settings import WebSettings

__all__ = ["build_app", "bus_settings", "refuse_dev_secrets"]

SERVICE = "residents-web"


def bus_settings() -> BusSettings:
    port = int(os.environ.get("RESIDENTS_WEB_HTTP_PORT", "8006"))
    return BusSettings(service=SERVICE, http_port=port)


def refuse_dev_secrets(bus: BusSettings, web: WebSettings) -> None:
    """Outside development, the secrets this service uses may not be the published ones
    (it has no database or Kafka login to judge)."""
    if bus.jkn_env.strip().lower() == "dev":
        return
    secrets = {
        "JKN_PSEUDONYM_KEY": bus.jkn_pseudonym_key,
        "RESIDENTS_WEB_CSRF_SECRET": web.csrf_secret,
    }
    found = dev_defaults_in_use(secrets, service=SERVICE)
    if found:
        raise DevSecretsOutsideDev(found)


def build_app(bus: BusSettings | None = None, web: WebSettings | None = None) -> FastAPI:
    """The pages' app; its lifespan opens and closes the client of the agencies' APIs."""
    bus = bus or bus_settings()
    web = web or WebSettings()
    configure_csrf(web)
    apis = Apis(web.enrollment_url, web.notifications_url, timeout_s=web.api_timeout_s)

    @contextlib.asynccontextmanager
    async def lifespan(started: FastAPI) -> AsyncIterator[None]:
        started.state.guard.check_routes(started)
        try:
            yield
        finally:
            await apis.close()

    app = FastAPI(
        title="residents-web",
        description="The residents' pages (Bahasa Indonesia, English): proposal status with "
        "the receipt code, questions/complaints/input and their tracking, help.",
        lifespan=lifespan,
        dependencies=[Depends(authorize)],
        docs_url=None,  # Swagger UI loads from a CDN, which the pages' CSP forbids
        redoc_url=None,
        openapi_url="/openapi.json" if bus.jkn_api_docs else None,
    )
    app.state.apis = apis
    app.state.web = web
    app.state.failures = FailureLimiter(web.failures_per_10min)
    app.state.guard = Guard(
        SERVICE,
        TokenVerifier(
            bus.jkn_oidc_issuer,
            bus.jkn_oidc_audience,
            jwks_url=bus.jkn_oidc_jwks_url,
            leeway_s=bus.jkn_oidc_leeway_s,
        ),
        actor_key=bus.jkn_pseudonym_key,
        metrics_public=bus.jkn_metrics_public,
        write_limit=bus.jkn_write_rate_limit,
    )
    install_body_limits(app, bus.http_max_body_bytes)
    install_error_answers(app, SERVICE)
    install_headers(app)
    app.include_router(pages.router)
    app.include_router(feedback_pages.router)
    app.include_router(access_pages.router)

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, Any]:
        return {"service": SERVICE, "status": "ok"}

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.state.guard.check_routes(app)
    return app
