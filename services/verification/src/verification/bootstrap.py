"""Composition root of the verification service (Dinas Kesehatan)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork, create_app, load_migrations
from jkn_bus.keyring import Sealer, sealer_for
from jkn_contracts import CONSUMERS

from verification.adapters.reference import load_reference, reference_is_empty
from verification.adapters.registries import SqlCivilRegistry, SqlWelfareRegistry
from verification.adapters.repository import SqlRepository
from verification.app.dependencies import Dependencies
from verification.app.handlers import bind_handlers
from verification.entrypoints.http import build_router
from verification.settings import VerificationSettings, bus_settings

__all__ = ["MIGRATIONS", "build_app", "build_dependencies", "build_runtime", "on_started"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def build_dependencies(
    settings: VerificationSettings, sealer: Sealer | None = None
) -> Dependencies:
    """``sealer``: default, the keyring under this process's KEKs (JKN_KEK_FILE/JKN_KEKS)."""

    def repository(uow: UnitOfWork) -> SqlRepository:
        return SqlRepository(uow.conn)

    def civil(uow: UnitOfWork) -> SqlCivilRegistry:
        return SqlCivilRegistry(uow.conn)

    def welfare(uow: UnitOfWork) -> SqlWelfareRegistry:
        return SqlWelfareRegistry(uow.conn)

    return Dependencies(
        policy=settings.policy(),
        initial_quota_total=settings.quota_total,
        uhc_priority=settings.uhc_priority,
        repository=repository,
        civil_registry=civil,
        welfare_registry=welfare,
        max_quota_cut_share=settings.max_quota_cut_share,
        sealer=sealer or sealer_for(bus_settings().key_encryption_keys()),
    )


def build_runtime(
    settings: VerificationSettings | None = None, bus: BusSettings | None = None
) -> ServiceRuntime:
    settings = settings or VerificationSettings()
    return ServiceRuntime(
        bus or bus_settings(),
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMERS["verification"],
        handlers=bind_handlers(build_dependencies(settings)),
    )


async def on_started(runtime: ServiceRuntime, settings: VerificationSettings) -> None:
    """After migrations: load the reference data from JKN_REFERENCE_DIR if none is loaded."""
    directory = settings.reference_dir
    if directory is not None and await reference_is_empty(runtime.pool):
        counts = await load_reference(runtime.pool, directory)
        log.info("reference data loaded: %s", counts)


def build_app(
    runtime: ServiceRuntime | None = None, settings: VerificationSettings | None = None
) -> FastAPI:
    settings = settings or VerificationSettings()
    runtime = runtime or build_runtime(settings)

    async def started() -> None:
        await on_started(runtime, settings)

    return create_app(
        runtime,
        title="jkn-daerah verification (Dinas Kesehatan)",
        description="Verification of proposals, the budget quota and the waiting list.",
        routers=[build_router(runtime, build_dependencies(settings))],
        on_started=started,
    )
