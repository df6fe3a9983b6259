"""Composition root: the gateway's runtime (consumer of Dinkes's topic, and of Dinsos's for
erasures), the periodic peserta sync, and the HTTP app."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations
from jkn_bus.background import add_background, task_while_serving
from jkn_bus.keyring import Keyring, Sealer
from jkn_contracts import CONSUMERS

from bpjs_gateway.adapters.at_rest import GatewayColumns, backfill, gateway_columns
from bpjs_gateway.adapters.backlog import track_backlog
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.adapters.intents import SqlIntentQueue, SqlIntentRecorder
from bpjs_gateway.adapters.metered import MeteredBpjs
from bpjs_gateway.adapters.participants import SqlParticipants
from bpjs_gateway.adapters.peserta_states import SqlPesertaStates
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.guarded import GuardedBpjs, breakers
from bpjs_gateway.app.handlers import bind_handlers
from bpjs_gateway.app.ports import (
    BpjsPort,
    IntentQueue,
    IntentRecorder,
    ParticipantRepository,
    PesertaStates,
)
from bpjs_gateway.app.resilience import CircuitBreaker, RateLimiter
from bpjs_gateway.app.sync import PesertaSync
from bpjs_gateway.app.worker import IntentWorker
from bpjs_gateway.entrypoints.http import router
from bpjs_gateway.settings import GatewaySettings, bus_settings

__all__ = [
    "CONSUMES",
    "build_app",
    "build_bpjs_client",
    "build_runtime",
    "build_sync",
    "build_worker",
    "dependencies",
    "run_worker",
]

# The catalogue's (jkn_contracts.subscriptions): Dinkes's decisions, and Dinsos's topic for
# ResidentDataErased (its other events are ignored)
CONSUMES = CONSUMERS["bpjs-gateway"]
MIGRATIONS = Path(__file__).parent / "migrations"


def _sql_participants(columns: GatewayColumns) -> Callable[[UnitOfWork], ParticipantRepository]:
    def repository(uow: UnitOfWork) -> ParticipantRepository:
        return SqlParticipants(uow.conn, columns)

    return repository


def _sql_intents(columns: GatewayColumns) -> Callable[[UnitOfWork], IntentRecorder]:
    def intents(uow: UnitOfWork) -> IntentRecorder:
        return SqlIntentRecorder(uow.conn, columns.intents)

    return intents


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
        max_connections=settings.bpjs_max_in_flight + settings.sync_concurrency,
        limiter=RateLimiter(settings.bpjs_rate_per_s),
    )


def dependencies(
    settings: GatewaySettings, bpjs: BpjsPort, sealer: Sealer | None = None
) -> Dependencies:
    """Handler dependencies: ``bpjs`` wrapped in metrics, the SQL table (its personal
    columns sealed, adapters.at_rest), the city's rules, the keyring (``sealer``; default:
    under this process's KEKs, JKN_KEK_FILE/JKN_KEKS), one for the events and the table."""
    keks = bus_settings().key_encryption_keys()
    sealer = sealer or Sealer(Keyring(keks))
    columns = gateway_columns(keks, sealer.keyring)
    return Dependencies(
        bpjs=MeteredBpjs(bpjs),
        repository=_sql_participants(columns),
        sealer=sealer,
        intents=_sql_intents(columns),
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


def _guarded(
    bpjs: BpjsPort, settings: GatewaySettings, shared: dict[str, CircuitBreaker] | None
) -> GuardedBpjs:
    """``bpjs`` metered and behind the breakers ``shared`` by the worker and the sync (one
    BPJS, one view of whether it is up), or new ones."""
    return GuardedBpjs(
        MeteredBpjs(bpjs),
        shared or breakers(settings.bpjs_breaker_threshold, settings.bpjs_breaker_cooldown_s),
    )


def build_sync(
    runtime: ServiceRuntime,
    bpjs: BpjsPort,
    settings: GatewaySettings | None = None,
    *,
    shared_breakers: dict[str, CircuitBreaker] | None = None,
) -> PesertaSync:
    """The peserta sync on ``runtime``'s database and outbox, looking cards up at ``bpjs``
    behind the look-up breaker (a pass during an outage stops at the open breaker instead
    of calling BPJS for every card)."""
    settings = settings or GatewaySettings()
    return PesertaSync(
        runtime.unit_of_work,
        dataclasses.replace(
            dependencies(settings, bpjs), bpjs=_guarded(bpjs, settings, shared_breakers)
        ),
        _sql_peserta_states,
        concurrency=settings.sync_concurrency,
    )


def build_worker(
    runtime: ServiceRuntime,
    bpjs: BpjsPort,
    settings: GatewaySettings | None = None,
    *,
    queue: IntentQueue | None = None,
    shared_breakers: dict[str, CircuitBreaker] | None = None,
) -> IntentWorker:
    """The intent worker of a started ``runtime``: ``bpjs`` behind the breakers
    (``app.guarded``; the rate limit is the client's, ``build_bpjs_client``), the intents
    table on the runtime's pool (or ``queue``)."""
    settings = settings or GatewaySettings()
    guarded = _guarded(bpjs, settings, shared_breakers)
    deps = dataclasses.replace(dependencies(settings, bpjs), bpjs=guarded)
    queue = queue or SqlIntentQueue(
        runtime.pool,
        gateway_columns(runtime.settings.key_encryption_keys()).intents,
        topic_prefix=runtime.settings.jkn_topic_prefix,
        schema=runtime.settings.db_schema,
        lease_s=settings.bpjs_intent_lease_s,
        opener=deps.sealer.open,
    )
    return IntentWorker(
        queue,
        deps,
        guarded.breakers,
        max_in_flight=settings.bpjs_max_in_flight,
        retry_base_s=settings.bpjs_retry_base_s,
        retry_max_s=settings.bpjs_retry_max_s,
        poll_interval_s=settings.bpjs_intent_poll_s,
    )


async def run_worker(runtime: ServiceRuntime, worker: IntentWorker) -> None:
    """Run ``worker`` until cancelled, woken by the NOTIFY of each recorded intent."""
    async with runtime.pool.acquire() as conn:
        await conn.add_listener("bpjs_intents", worker.wake_on_notify)
        try:
            await worker.run()
        finally:
            with contextlib.suppress(Exception):
                await conn.remove_listener("bpjs_intents", worker.wake_on_notify)


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
    shared = breakers(settings.bpjs_breaker_threshold, settings.bpjs_breaker_cooldown_s)
    sync = build_sync(runtime, bpjs, settings, shared_breakers=shared) if bpjs is not None else None
    app.state.sync = sync
    if client is not None:
        own_client = client

        @contextlib.asynccontextmanager
        async def closing_client() -> AsyncIterator[None]:
            try:
                yield
            finally:  # left last: after the worker and the sync stopped calling
                await own_client.aclose()

        add_background(app, closing_client)
    # rows written in clear before migration 0004 are sealed, once, meanwhile
    add_background(
        app,
        task_while_serving("bpjs-gateway-at-rest", lambda: backfill(runtime.pool, columns).run()),
    )
    if bpjs is not None:
        calls = bpjs
        add_background(
            app,
            task_while_serving(
                "bpjs-gateway-intents",
                lambda: run_worker(
                    runtime, build_worker(runtime, calls, settings, shared_breakers=shared)
                ),
            ),
        )
        add_background(
            app,
            task_while_serving(
                "bpjs-gateway-backlog",
                lambda: track_backlog(runtime.pool, settings.bpjs_backlog_interval_s),
            ),
        )
    if sync is not None and settings.sync_interval_s > 0:
        periodic = sync
        add_background(
            app,
            task_while_serving(
                "bpjs-gateway-sync", lambda: periodic.run_periodically(settings.sync_interval_s)
            ),
        )
    return app
