"""Composition root: the gateway's runtime (consumer of Dinkes's topic) and HTTP app."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations

from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.adapters.metered import MeteredBpjs
from bpjs_gateway.adapters.participants import SqlParticipants
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.handlers import bind_handlers
from bpjs_gateway.app.ports import BpjsPort, ParticipantRepository
from bpjs_gateway.entrypoints.http import router
from bpjs_gateway.settings import GatewaySettings, bus_settings

__all__ = ["CONSUMES", "build_app", "build_bpjs_client", "build_runtime", "dependencies"]

CONSUMES = ("jkn.dinkes.verifications",)
MIGRATIONS = Path(__file__).parent / "migrations"


def _sql_participants(uow: UnitOfWork) -> ParticipantRepository:
    return SqlParticipants(uow.conn)


def build_bpjs_client(settings: GatewaySettings) -> BpjsClient:
    """The signed BPJS client of ``settings`` (close it with ``aclose``)."""
    return BpjsClient(
        settings.bpjs_base_url,
        settings.bpjs_cons_id,
        settings.bpjs_secret,
        settings.bpjs_user_key,
        timeout=settings.bpjs_timeout_s,
    )


def dependencies(settings: GatewaySettings, bpjs: BpjsPort) -> Dependencies:
    """Handler dependencies: ``bpjs`` wrapped in metrics, the SQL table, the city's rules."""
    return Dependencies(
        bpjs=MeteredBpjs(bpjs),
        repository=_sql_participants,
        rules=settings.rules(),
        kd_pemda=settings.bpjs_kd_pemda,
        city_tz=settings.city_tz(),
    )


def build_runtime(
    settings: GatewaySettings | None = None,
    *,
    bpjs: BpjsPort,
    bus: BusSettings | None = None,
) -> ServiceRuntime:
    """The runtime: migrations, consumer of Dinkes's topic with the gateway's handlers."""
    settings = settings or GatewaySettings()
    return ServiceRuntime(
        bus or bus_settings(),
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMES,
        handlers=bind_handlers(dependencies(settings, bpjs)),
    )


def build_app(
    settings: GatewaySettings | None = None, runtime: ServiceRuntime | None = None
) -> FastAPI:
    """The HTTP app whose lifespan runs the runtime (and closes the BPJS client it made).

    Given a ``runtime`` (tests that start it themselves), the app serves it as it is.
    """
    client: BpjsClient | None = None
    if runtime is None:
        client = build_bpjs_client(settings or GatewaySettings())
        runtime = build_runtime(settings, bpjs=client)
    app: FastAPI = create_app(
        runtime,
        title="bpjs-gateway",
        description="Carries the city's decisions to BPJS Kesehatan and BPJS's answers back.",
        routers=[router],
    )
    if client is None:
        return app
    runtime_lifespan = app.router.lifespan_context
    own_client = client

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        try:
            async with runtime_lifespan(app_):
                yield
        finally:
            await own_client.aclose()

    app.router.lifespan_context = lifespan
    return app
