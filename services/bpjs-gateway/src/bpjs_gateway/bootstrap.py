"""Composition root: the gateway's runtime (consumer of Dinkes's topic, and of Dinsos's for
erasures), the periodic peserta sync, and the HTTP app."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations
from jkn_bus.keyring import Keyring, Sealer
from jkn_contracts import CONSUMERS

from bpjs_gateway.adapters.at_rest import GatewayColumns, backfill, gateway_columns
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.adapters.metered import MeteredBpjs
from bpjs_gateway.adapters.participants import SqlParticipants
from bpjs_gateway.adapters.peserta_states import SqlPesertaStates
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.handlers import bind_handlers
from bpjs_gateway.app.ports import BpjsPort, ParticipantRepository, PesertaStates
from bpjs_gateway.app.sync import PesertaSync
from bpjs_gateway.entrypoints.http import router
from bpjs_gateway.settings import GatewaySettings, bus_settings

__all__ = [
    "CONSUMES",
    "build_app",
    "build_bpjs_client",
    "build_runtime",
    "build_sync",
    "dependencies",
]

# The catalogue's (jkn_contracts.subscriptions): Dinkes's decisions, and Dinsos's topic for
# ResidentDataErased (its other events are ignored)
CONSUMES = CONSUMERS["bpjs-gateway"]
MIGRATIONS = Path(__file__).parent / "migrations"


def _sql_participants(columns: GatewayColumns) -> Callable[[UnitOfWork], ParticipantRepository]:
    def repository(uow: UnitOfWork) -> ParticipantRepository:
        return SqlParticipants(uow.conn, columns)

    return repository


def _sql_peserta_states(uow: UnitOfWork) -> PesertaStates:
    return SqlPesertaStates(uow.conn)


def build_bpjs_client(settings: GatewaySettings) -> BpjsClient:
    """The signed BPJS client of ``settings`` (close it with ``aclose``)."""
    return BpjsClient(
        settings.bpjs_base_url,
        settings.bpjs_cons_id,
        settings.bpjs_secret,
        settings.bpjs_user_key,
        timeout=settings.bpjs_timeout_s,
    )


def dependencies(
    settings: GatewaySettings, bpjs: BpjsPort, sealer: Sealer | None = None
) -> Dependencies:
    """Handler dependencies: ``bpjs`` wrapped in metrics, the SQL table (its personal
    columns sealed, adapters.at_rest), the city's rules, the keyring (``sealer``; default:
    under this process's KEKs, JKN_KEK_FILE/JKN_KEKS), one for the events and the table."""
    keks = bus_settings().key_encryption_keys()
    sealer = sealer or Sealer(Keyring(keks))
    return Dependencies(
        bpjs=MeteredBpjs(bpjs),
        repository=_sql_participants(gateway_columns(keks, sealer.keyring)),
        sealer=sealer,
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
    """The runtime: migrations, consumer of the catalogue's topics with the gateway's
    handlers."""
    settings = settings or GatewaySettings()
    return ServiceRuntime(
        bus or bus_settings(),
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMES,
        handlers=bind_handlers(dependencies(settings, bpjs)),
        secrets={"BPJS_SECRET": settings.bpjs_secret, "BPJS_USER_KEY": settings.bpjs_user_key},
    )


def build_sync(
    runtime: ServiceRuntime, bpjs: BpjsPort, settings: GatewaySettings | None = None
) -> PesertaSync:
    """The peserta sync on ``runtime``'s database and outbox, looking cards up at ``bpjs``."""
    settings = settings or GatewaySettings()
    return PesertaSync(
        runtime.unit_of_work,
        dependencies(settings, bpjs),
        _sql_peserta_states,
        concurrency=settings.sync_concurrency,
    )


def build_app(
    settings: GatewaySettings | None = None,
    runtime: ServiceRuntime | None = None,
    *,
    bpjs: BpjsPort | None = None,
) -> FastAPI:
    """The HTTP app whose lifespan runs the runtime, the at-rest backfill (once, until every
    row is sealed), the periodic peserta sync (every ``BPJS_SYNC_INTERVAL_S``, 0: never)
    and closes the BPJS client it made.

    Given a ``runtime`` (tests that start it themselves), the app serves it as it is; with
    ``bpjs`` too, ``POST /sync`` runs passes against it.
    """
    settings = settings or GatewaySettings()
    client: BpjsClient | None = None
    if runtime is None:
        client = build_bpjs_client(settings)
        bpjs = client
        runtime = build_runtime(settings, bpjs=client)
    app: FastAPI = create_app(
        runtime,
        title="bpjs-gateway",
        description="Carries the city's decisions to BPJS Kesehatan and BPJS's answers back.",
        routers=[router],
    )
    columns = gateway_columns(runtime.settings.key_encryption_keys())
    app.state.at_rest = columns
    sync = build_sync(runtime, bpjs, settings) if bpjs is not None else None
    app.state.sync = sync
    runtime_lifespan = app.router.lifespan_context
    own_client = client
    interval_s = settings.sync_interval_s

    @contextlib.asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        try:
            async with runtime_lifespan(app_):
                # rows written in clear before migration 0004 are sealed, once, meanwhile
                tasks: list[asyncio.Task[Any]] = [
                    asyncio.create_task(
                        backfill(runtime.pool, columns).run(), name="bpjs-gateway-at-rest"
                    )
                ]
                if sync is not None and interval_s > 0:
                    tasks.append(
                        asyncio.create_task(
                            sync.run_periodically(interval_s), name="bpjs-gateway-sync"
                        )
                    )
                try:
                    yield
                finally:
                    for task in tasks:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
        finally:
            if own_client is not None:
                await own_client.aclose()

    app.router.lifespan_context = lifespan
    return app
