"""Composition root of enrollment (Dinas Sosial): settings, runtime, HTTP app."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from jkn_bus import (
    BusSettings,
    Handler,
    HandlerTable,
    ServiceRuntime,
    UnitOfWork,
    create_app,
    load_migrations,
)
from jkn_bus.background import add_background, task_while_serving
from jkn_bus.body_limits import set_route_limit
from jkn_bus.retention import RetentionSettings
from jkn_contracts.topics import CONSUMERS

from enrollment.adapters import import_previews
from enrollment.adapters.audit_client import (
    CLIENT_SECRET_ENV,
    AuditTrail,
    audit_trail_from_env,
    client_secret,
)
from enrollment.adapters.retention import enrollment_stores
from enrollment.app.at_rest import backfill_at_start
from enrollment.app.handlers import HANDLERS
from enrollment.app.import_preview import ImportLimits
from enrollment.app.imports import ImportRunner
from enrollment.app.reconciliation_handlers import RECONCILIATION_HANDLERS
from enrollment.app.snapshots import SnapshotSettings
from enrollment.app.submissions import SubmissionHandlers
from enrollment.domain.snapshot import DEFAULT_ELIGIBLE_DECILES, parse_deciles
from enrollment.entrypoints.access_http import router as access_router
from enrollment.entrypoints.erasure_http import router as erasure_router
from enrollment.entrypoints.http import router
from enrollment.entrypoints.reconciliation_http import routers as reconciliation_routers
from enrollment.entrypoints.refills_http import router as refills_router
from enrollment.entrypoints.status_http import router as status_router
from enrollment.settings import RECEIPT_KEY_ENV, receipt_key, upload_limits

__all__ = ["build_app", "build_runtime", "settings"]

# Dinkes's and BPJS's facts, and the agency systems' inbound topics it owns (the catalogue's)
CONSUMES = CONSUMERS["enrollment"]


def settings() -> BusSettings:
    return BusSettings(
        service="enrollment", http_port=int(os.environ.get("ENROLLMENT_HTTP_PORT", "8001"))
    )


def _chain(*tables: HandlerTable) -> HandlerTable:
    """One handler per event class: those of every table, in order, in one transaction."""
    chained: dict[Any, list[Handler]] = {}
    for table in tables:
        for event_class, handler in table.items():
            chained.setdefault(event_class, []).append(handler)

    def run_all(handlers: list[Handler]) -> Handler:
        async def handle(uow: UnitOfWork, event: Any) -> None:
            for handler in handlers:
                await handler(uow, event)

        return handle

    return {t: hs[0] if len(hs) == 1 else run_all(hs) for t, hs in chained.items()}


def snapshot_settings() -> SnapshotSettings:
    """JKN_ELIGIBLE_DECILES (default 1,2,3,4): the welfare deciles the program serves."""
    text = os.environ.get("JKN_ELIGIBLE_DECILES", "")
    return SnapshotSettings(
        eligible_deciles=parse_deciles(text) if text.strip() else DEFAULT_ELIGIBLE_DECILES,
        emit_batch=int(os.environ.get("ENROLLMENT_RECONCILIATION_BATCH", "500")),
    )


def build_runtime(
    bus: BusSettings | None = None, retention: RetentionSettings | None = None
) -> ServiceRuntime:
    """``retention``: the periods (default: the ``JKN_RETENTION_*`` variables)."""
    kept = retention or RetentionSettings()
    bus = bus or settings()
    submissions = SubmissionHandlers(
        pseudonym_key=bus.jkn_pseudonym_key, receipt_key=receipt_key()
    ).table()
    return ServiceRuntime(
        bus,
        migrations=load_migrations(Path(__file__).parent / "migrations"),
        consumes=CONSUMES,
        handlers=_chain(HANDLERS, RECONCILIATION_HANDLERS, submissions),
        secrets={RECEIPT_KEY_ENV: receipt_key(), CLIENT_SECRET_ENV: client_secret()},
        retention=enrollment_stores(kept),
        retention_settings=kept,
    )


def build_app(
    runtime: ServiceRuntime | None = None,
    *,
    import_chunk_rows: int | None = None,
    audit_trail: AuditTrail | None = None,
) -> FastAPI:
    """The HTTP app; its lifespan starts the runtime, then reaps imports a dead process left
    'running' (at once, then every ``ENROLLMENT_IMPORT_REAP_INTERVAL_S``, 60), and on
    shutdown interrupts running imports before the runtime stops. ``audit_trail``: where
    residents' access reports read their decisions (default: the audit service, as
    ``adapters.audit_client`` configures it)."""
    runtime = runtime or build_runtime()
    chunk_rows = import_chunk_rows or int(os.environ.get("ENROLLMENT_IMPORT_CHUNK_ROWS", "500"))
    reap_interval_s = float(os.environ.get("ENROLLMENT_IMPORT_REAP_INTERVAL_S", "60"))
    imports = ImportRunner(runtime, import_previews, chunk_rows=chunk_rows)
    app: FastAPI = create_app(
        runtime,
        title="enrollment (Dinas Sosial)",
        description="Proposals of residents for the city-paid JKN program (PBI APBD): "
        "one at a time or by CSV import, and where each proposal stands.",
        routers=[
            router,
            status_router,
            *reconciliation_routers(),
            refills_router,
            erasure_router,
            access_router,
        ],
        on_started=imports.reap,
    )
    for path, limit_bytes in upload_limits().items():  # CSV uploads: their own body limits
        set_route_limit(app, path, limit_bytes)
    app.state.imports = imports
    app.state.import_limits = ImportLimits.from_env()
    app.state.snapshot_settings = snapshot_settings()
    trail = audit_trail or audit_trail_from_env(runtime.settings.jkn_oidc_issuer)
    app.state.audit_trail = trail

    @contextlib.asynccontextmanager
    async def closing() -> AsyncIterator[None]:
        try:
            yield
        finally:  # left last: after the reaper and the backfill stopped
            await imports.stop()  # running imports interrupted before the runtime's pool closes
            await trail.aclose()

    add_background(app, closing)
    add_background(
        app,
        task_while_serving(
            "enrollment-import-reaper", lambda: imports.reap_periodically(reap_interval_s)
        ),
    )
    # rows kept in clear before migration 0010: sealed in short batches, meanwhile
    add_background(
        app, task_while_serving("enrollment-at-rest-backfill", lambda: backfill_at_start(runtime))
    )
    return app
