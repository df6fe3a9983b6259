"""Composition root of enrollment (Dinas Sosial): settings, runtime, HTTP app."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from jkn_bus import BusSettings, ServiceRuntime, create_app, load_migrations

from enrollment.app.handlers import HANDLERS
from enrollment.app.imports import ImportRunner
from enrollment.entrypoints.http import router

__all__ = ["build_app", "build_runtime", "settings"]

CONSUMES = ("jkn.dinkes.verifications", "jkn.bpjs.participants")


def settings() -> BusSettings:
    return BusSettings(
        service="enrollment", http_port=int(os.environ.get("ENROLLMENT_HTTP_PORT", "8001"))
    )


def build_runtime(bus: BusSettings | None = None) -> ServiceRuntime:
    return ServiceRuntime(
        bus or settings(),
        migrations=load_migrations(Path(__file__).parent / "migrations"),
        consumes=CONSUMES,
        handlers=HANDLERS,
    )


def build_app(
    runtime: ServiceRuntime | None = None, *, import_chunk_rows: int | None = None
) -> FastAPI:
    """The HTTP app; its lifespan starts the runtime, then reaps imports a dead process left
    'running', and on shutdown interrupts running imports before the runtime stops."""
    runtime = runtime or build_runtime()
    chunk_rows = import_chunk_rows or int(os.environ.get("ENROLLMENT_IMPORT_CHUNK_ROWS", "500"))
    imports = ImportRunner(runtime, chunk_rows=chunk_rows)
    app: FastAPI = create_app(
        runtime,
        title="enrollment (Dinas Sosial)",
        description="Proposals of residents for the city-paid JKN program (PBI APBD): "
        "one at a time or by CSV import, and where each proposal stands.",
        routers=[router],
        on_started=imports.reap,
    )
    app.state.imports = imports
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(a):
            try:
                yield
            finally:
                await imports.stop()  # before the runtime closes the pool

    app.router.lifespan_context = lifespan
    return app
