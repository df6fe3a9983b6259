"""Composition root of the verification service (Dinas Kesehatan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations
from jkn_bus.at_rest import ServiceKeys
from jkn_bus.keyring import Keyring, Sealer
from jkn_contracts import CONSUMERS

from verification.adapters.backfill import backfill
from verification.adapters.metrics import PrometheusGauges
from verification.adapters.protection import Protection
from verification.adapters.reference import load_reference, reference_is_empty
from verification.adapters.registries import SqlCivilRegistry, SqlWelfareRegistry
from verification.adapters.repository import SqlRepository
from verification.app.dependencies import Dependencies
from verification.app.handlers import bind_handlers
from verification.entrypoints.http import build_router
from verification.settings import VerificationSettings, bus_settings

__all__ = [
    "MIGRATIONS",
    "build_app",
    "build_dependencies",
    "build_runtime",
    "on_started",
    "protection_for",
    "run_backfill",
]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def protection_for(bus: BusSettings) -> Protection:
    """The keys of this process, built once: the keyring and the service's own data key
    under its KEKs (JKN_KEK_FILE/JKN_KEKS), the pseudonym key for keyed hashes."""
    keks = bus.key_encryption_keys()
    return Protection(Keyring(keks), ServiceKeys(keks), bus.jkn_pseudonym_key)


def build_dependencies(
    settings: VerificationSettings,
    sealer: Sealer | None = None,
    protection: Protection | None = None,
) -> Dependencies:
    """``protection``: default, this process's keys (``protection_for``); ``sealer``:
    default, one on the same keyring."""
    protection = protection or protection_for(bus_settings())

    def repository(uow: UnitOfWork) -> SqlRepository:
        return SqlRepository(uow.conn, protection)

    def civil(uow: UnitOfWork) -> SqlCivilRegistry:
        return SqlCivilRegistry(uow.conn, protection)

    def welfare(uow: UnitOfWork) -> SqlWelfareRegistry:
        return SqlWelfareRegistry(uow.conn, protection)

    return Dependencies(
        policy=settings.policy(),
        initial_quota_total=settings.quota_total,
        uhc_priority=settings.uhc_priority,
        repository=repository,
        civil_registry=civil,
        welfare_registry=welfare,
        max_quota_cut_share=settings.max_quota_cut_share,
        sealer=sealer or Sealer(protection.keyring),
        gauges=PrometheusGauges(),
    )


def build_runtime(
    settings: VerificationSettings | None = None, bus: BusSettings | None = None
) -> ServiceRuntime:
    settings = settings or VerificationSettings()
    bus = bus or bus_settings()
    return ServiceRuntime(
        bus,
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMERS["verification"],
        handlers=bind_handlers(build_dependencies(settings, protection=protection_for(bus))),
    )


async def on_started(runtime: ServiceRuntime, settings: VerificationSettings) -> None:
    """After migrations: load the reference data from JKN_REFERENCE_DIR if none is loaded."""
    directory = settings.reference_dir
    if directory is not None and await reference_is_empty(runtime.pool):
        counts = await load_reference(runtime.pool, directory, protection_for(runtime.settings))
        log.info("reference data loaded: %s", counts)


async def run_backfill(runtime: ServiceRuntime, protection: Protection) -> None:
    """The at-rest backfill (``adapters.backfill``) as a background task: a failure is
    logged by its class, and the next start resumes where it stopped."""
    try:
        await backfill(runtime.pool, protection)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a background task: logged by class, resumed at the next start
        log.error("personal data at rest: backfill failed (%s)", type(exc).__name__)


def build_app(
    runtime: ServiceRuntime | None = None, settings: VerificationSettings | None = None
) -> FastAPI:
    """The HTTP app whose lifespan runs the runtime, loads the reference data when none is
    loaded, and meanwhile converts rows written in clear (``run_backfill``)."""
    settings = settings or VerificationSettings()
    runtime = runtime or build_runtime(settings)
    protection = protection_for(runtime.settings)

    async def started() -> None:
        await on_started(runtime, settings)

    app: FastAPI = create_app(
        runtime,
        title="jkn-daerah verification (Dinas Kesehatan)",
        description="Verification of proposals, the budget quota and the waiting list.",
        routers=[build_router(runtime, build_dependencies(settings, protection=protection))],
        on_started=started,
    )
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(a):
            task = asyncio.create_task(
                run_backfill(runtime, protection), name="verification-at-rest-backfill"
            )
            try:
                yield
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    app.router.lifespan_context = lifespan
    return app
