"""Composition root of the verification service (Dinas Kesehatan)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations
from jkn_bus.at_rest import ServiceKeys
from jkn_bus.background import add_background, task_while_serving
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
    "Composition",
    "build_app",
    "build_dependencies",
    "build_runtime",
    "compose",
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


@dataclass(frozen=True)
class Composition:
    """The one set of dependencies of a verification process: its settings, its keys
    (``protection``) and the use cases' ports (``deps``), shared by the Kafka handlers and
    the HTTP routes."""

    settings: VerificationSettings
    bus: BusSettings
    protection: Protection
    deps: Dependencies


def compose(
    settings: VerificationSettings | None = None, bus: BusSettings | None = None
) -> Composition:
    """Build the process's dependencies once (settings read once, here)."""
    settings = settings or VerificationSettings()
    bus = bus or bus_settings()
    protection = protection_for(bus)
    deps = build_dependencies(settings, protection=protection)
    return Composition(settings, bus, protection, deps)


# The composition each runtime was built from, for the app built around it.
_COMPOSED: weakref.WeakKeyDictionary[ServiceRuntime, Composition] = weakref.WeakKeyDictionary()


def build_runtime(
    settings: VerificationSettings | None = None,
    bus: BusSettings | None = None,
    *,
    composition: Composition | None = None,
) -> ServiceRuntime:
    """The consumers and relay of ``composition`` (default: ``compose(settings, bus)``)."""
    composition = composition or compose(settings, bus)
    runtime = ServiceRuntime(
        composition.bus,
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMERS["verification"],
        handlers=bind_handlers(composition.deps),
    )
    _COMPOSED[runtime] = composition
    return runtime


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
    """The HTTP app around ``runtime`` (built here when not given), with the same
    dependencies as its handlers; its lifespan runs the runtime, loads the reference data
    when none is loaded, and meanwhile converts rows written in clear (``run_backfill``)."""
    if runtime is None:
        runtime = build_runtime(settings)
    composition = _COMPOSED.get(runtime) or compose(settings, runtime.settings)
    protection = composition.protection

    async def started() -> None:
        await on_started(runtime, composition.settings)

    app: FastAPI = create_app(
        runtime,
        title="jkn-daerah verification (Dinas Kesehatan)",
        description="Verification of proposals, the budget quota and the waiting list.",
        routers=[build_router(runtime, composition.deps)],
        on_started=started,
    )
    add_background(
        app,
        task_while_serving(
            "verification-at-rest-backfill", lambda: run_backfill(runtime, protection)
        ),
    )
    return app
