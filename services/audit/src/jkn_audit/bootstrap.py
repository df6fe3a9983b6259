"""Composition root: the audit runtime (consumer of every topic) and its HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, create_app, load_migrations
from jkn_contracts import CONSUMERS

from jkn_audit.adapters.audit_log import append_all
from jkn_audit.app.handlers import bind_handlers
from jkn_audit.entrypoints.http import router
from jkn_audit.settings import SERVICE, bus_settings

__all__ = ["MIGRATIONS", "build_app", "build_runtime"]

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(bus: BusSettings | None = None) -> ServiceRuntime:
    """Migrations and one consumer of every topic, appending each event to the chain.
    A small pool: the consumer appends a batch at a time (to the chains of its partitions).
    """
    return ServiceRuntime(
        bus or bus_settings(),
        migrations=load_migrations(MIGRATIONS),
        consumes=CONSUMERS[SERVICE],
        handlers=bind_handlers(append_all),
        pool_size=4,
    )


def build_app(runtime: ServiceRuntime | None = None) -> FastAPI:
    """The HTTP app whose lifespan runs ``runtime`` (a fresh one if not given)."""
    app: FastAPI = create_app(
        runtime or build_runtime(),
        title="audit",
        description="Every event of every agency, append-only and hash-chained.",
        routers=[router],
    )
    return app
