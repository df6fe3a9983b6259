"""Composition root of enrollment (Dinas Sosial): settings, runtime, HTTP app.

The settings are read once (``compose``: ``EnrollmentSettings.from_env``), the adapters are
wired into the app's ports there (``app.ports``, ``app.run_ports``, ``app.resident_ports``),
and the Kafka handlers and HTTP routes of one process share that one composition.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from jkn_bus import (
    BusSettings,
    Handler,
    HandlerTable,
    ServiceRuntime,
    create_app,
    load_migrations,
)
from jkn_bus.background import add_background, task_while_serving
from jkn_bus.body_limits import set_route_limit
from jkn_bus.limits import FailureLimiter
from jkn_bus.retention import RetentionSettings
from jkn_contracts.topics import CONSUMERS

from enrollment.adapters import (
    audit_client,
    erasure,
    import_previews,
    proposals,
    reconciliation,
    run_outcomes,
    run_requests,
    snapshots,
    submissions,
)
from enrollment.adapters.at_rest import backfill_at_start
from enrollment.adapters.audit_client import AuditTrail
from enrollment.adapters.retention import enrollment_stores
from enrollment.app.handlers import status_handlers
from enrollment.app.import_preview import ImportLimits
from enrollment.app.imports import ImportRunner
from enrollment.app.reconciliation_handlers import reconciliation_handlers
from enrollment.app.resident_ports import ErasureStore
from enrollment.app.run_limits import RunLimits
from enrollment.app.run_ports import RunStores
from enrollment.app.snapshots import SnapshotSettings
from enrollment.app.submissions import SubmissionHandlers
from enrollment.entrypoints.access_http import router as access_router
from enrollment.entrypoints.erasure_http import router as erasure_router
from enrollment.entrypoints.http import router
from enrollment.entrypoints.reconciliation_http import routers as reconciliation_routers
from enrollment.entrypoints.refills_http import router as refills_router
from enrollment.entrypoints.status_http import router as status_router
from enrollment.settings import CLIENT_SECRET_ENV, RECEIPT_KEY_ENV, EnrollmentSettings

__all__ = ["Composition", "build_app", "build_runtime", "compose", "settings"]

# Dinkes's and BPJS's facts, and the agency systems' inbound topics it owns (the catalogue's)
CONSUMES = CONSUMERS["enrollment"]


def settings(enrollment: EnrollmentSettings | None = None) -> BusSettings:
    """The bus's settings of this service, on its HTTP port (``ENROLLMENT_HTTP_PORT``)."""
    enrollment = enrollment or EnrollmentSettings.from_env()
    return BusSettings(service="enrollment", http_port=enrollment.http_port)


@dataclass(frozen=True)
class Composition:
    """The one set of dependencies of an enrollment process: its settings (read once), the
    bus's, and the adapters wired into the app's ports, shared by the Kafka handlers and
    the HTTP routes."""

    settings: EnrollmentSettings
    bus: BusSettings
    stores: RunStores
    erasure: ErasureStore


def compose(
    enrollment: EnrollmentSettings | None = None, bus: BusSettings | None = None
) -> Composition:
    """Read the settings (unless given) and wire the adapters into the ports."""
    enrollment = enrollment or EnrollmentSettings.from_env()
    stores = RunStores(
        runs=reconciliation,
        requests=run_requests,
        outcomes=run_outcomes,
        snapshots=snapshots,
        submissions=submissions,
        proposals=proposals,
    )
    return Composition(enrollment, bus or settings(enrollment), stores, erasure)


# The composition each runtime was built from, for the app built around it.
_COMPOSED: weakref.WeakKeyDictionary[ServiceRuntime, Composition] = weakref.WeakKeyDictionary()


def _one_table(*tables: HandlerTable) -> HandlerTable:
    """The service's handler table: each event class handled in exactly one place, so that
    a reader of its handler sees every effect it has (a class in two tables is refused)."""
    merged: dict[Any, Handler] = {}
    for table in tables:
        twice = merged.keys() & table.keys()
        if twice:
            names = sorted(t.__name__ for t in twice)
            raise ValueError(f"handled in two tables: {names}")
        merged.update(table)
    return merged


def snapshot_settings(enrollment: EnrollmentSettings) -> SnapshotSettings:
    """The welfare deciles the program serves, the requests sent a transaction, the
    processes that parse a large snapshot and the memory Postgres may sort and hash it in."""
    return SnapshotSettings(
        eligible_deciles=enrollment.eligible_deciles,
        emit_batch=enrollment.reconciliation_batch,
        parse_processes=enrollment.snapshot_parse_processes,
        work_mem_mb=enrollment.snapshot_work_mem_mb,
    )


def run_limits(enrollment: EnrollmentSettings) -> RunLimits:
    """What a reconciliation run or a refill may do at once (``app.run_limits``)."""
    return RunLimits(
        max_deactivation_share=enrollment.max_deactivation_share,
        min_snapshot_row_ratio=enrollment.snapshot_min_row_ratio,
        max_refill_batch=enrollment.max_refill_batch,
        max_cell_chars=enrollment.csv_max_cell_chars,
    )


def build_runtime(
    bus: BusSettings | None = None,
    retention: RetentionSettings | None = None,
    *,
    composition: Composition | None = None,
) -> ServiceRuntime:
    """The consumers and relay of ``composition`` (default: ``compose`` on ``bus``).
    ``retention``: the periods (default: the ``JKN_RETENTION_*`` variables)."""
    composition = composition or compose(bus=bus)
    kept = retention or RetentionSettings()
    enrollment, stores = composition.settings, composition.stores
    submitted = SubmissionHandlers(
        pseudonym_key=composition.bus.jkn_pseudonym_key,
        receipt_key=enrollment.receipt_key,
        stores=stores,
    )
    runtime = ServiceRuntime(
        composition.bus,
        migrations=load_migrations(Path(__file__).parent / "migrations"),
        consumes=CONSUMES,
        handlers=_one_table(
            status_handlers(stores), reconciliation_handlers(stores), submitted.table()
        ),
        secrets={
            RECEIPT_KEY_ENV: enrollment.receipt_key,
            CLIENT_SECRET_ENV: enrollment.oidc_client_secret,
        },
        retention=enrollment_stores(kept),
        retention_settings=kept,
    )
    _COMPOSED[runtime] = composition
    return runtime


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
    composition = _COMPOSED.get(runtime) or compose(bus=runtime.settings)
    enrollment = composition.settings
    imports = ImportRunner(
        runtime,
        import_previews,
        receipt_key=enrollment.receipt_key,
        chunk_rows=import_chunk_rows or enrollment.import_chunk_rows,
        max_cell_chars=enrollment.csv_max_cell_chars,
    )
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
    for path, limit_bytes in enrollment.upload_limits.items():  # CSV uploads: their own limits
        set_route_limit(app, path, limit_bytes)
    # what the routes read (entrypoints.state): the settings and ports of this composition
    app.state.settings = enrollment
    app.state.stores = composition.stores
    app.state.erasure_store = composition.erasure
    app.state.receipt_failures = FailureLimiter(enrollment.status_failures_per_10min)
    app.state.imports = imports
    app.state.import_limits = ImportLimits(
        max_rows=enrollment.max_import_rows, max_cell_chars=enrollment.csv_max_cell_chars
    )
    app.state.run_limits = run_limits(enrollment)
    app.state.snapshot_settings = snapshot_settings(enrollment)
    trail = audit_trail or audit_client.audit_trail(runtime.settings.jkn_oidc_issuer, enrollment)
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
            "enrollment-import-reaper",
            lambda: imports.reap_periodically(enrollment.import_reap_interval_s),
        ),
    )
    # rows kept in clear before migration 0010: sealed in short batches, meanwhile
    add_background(
        app, task_while_serving("enrollment-at-rest-backfill", lambda: backfill_at_start(runtime))
    )
    return app
