"""What the reconciliation routes share: error answers, the run limits, a run's preview
and the answer to an upload (``entrypoints.reconciliation_http``, ``runs_http``,
``candidates_http``)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from fastapi import Request
from fastapi.responses import JSONResponse
from jkn_bus.field_errors import FieldError
from jkn_bus.http import errors_response, runtime_of

from enrollment.app.reconciliation import RunOutcome
from enrollment.app.run_limits import RunLimits, RunRefused
from enrollment.app.run_report import approval_of, preview_of, request_rows
from enrollment.domain import LineError
from enrollment.entrypoints import state

__all__ = [
    "NO_FILE",
    "fetch_run",
    "field_error",
    "line_errors",
    "outcome_response",
    "refused",
    "run_limits",
    "run_not_found",
]


def line_errors(errors: list[LineError]) -> list[dict[str, Any]]:
    return [e.as_json() for e in errors]


def field_error(status: int, field: str, rule: str, message: str) -> JSONResponse:
    return errors_response(status, [FieldError(field, rule, message)])


NO_FILE = (
    "file",
    "REQUIRED",
    "Send the CSV as field 'file' or as the body. / Kirim CSV di kolom 'file' atau sebagai isi.",
)


def run_limits(request: Request) -> RunLimits:
    """The app's limits (``app.state.run_limits``, from the settings ``bootstrap`` read:
    ENROLLMENT_MAX_DEACTIVATION_SHARE, ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO,
    ENROLLMENT_MAX_REFILL_BATCH)."""
    return cast(RunLimits, request.app.state.run_limits)


def refused(exc: RunRefused, field: str = "file") -> JSONResponse:
    return JSONResponse(
        status_code=422,
        content={
            "error": "RUN_REFUSED",
            "rule": exc.rule,
            "message": exc.message,
            **exc.details,
            "errors": [{"field": field, "rule": exc.rule, "message": exc.message}],
        },
    )


async def preview(request: Request, run_id: uuid.UUID) -> dict[str, Any]:
    run = await fetch_run(request, run_id)
    rows = await request_rows(
        runtime_of(request).pool, run_id, outcomes=state.stores(request).outcomes
    )
    return {"preview": preview_of(run, rows), "approval": approval_of(run)}


async def outcome_response(request: Request, outcome: RunOutcome) -> JSONResponse:
    url = f"/reconciliation/runs/{outcome.run_id}"
    shown = await preview(request, outcome.run_id)
    if outcome.already_applied:
        return JSONResponse(
            status_code=200,
            content={
                "run_id": str(outcome.run_id),
                "already_applied": True,
                "status": outcome.status,
                "report_url": url,
                **shown,
                **outcome.details,
            },
        )
    return JSONResponse(
        status_code=201,
        content={
            "run_id": str(outcome.run_id),
            "already_applied": False,
            "status": outcome.status,
            "report_url": url,
            **shown,
            "rows": {
                "read": outcome.rows_read,
                "valid": outcome.rows_valid,
                "invalid": outcome.rows_invalid,
            },
            "requests_emitted": outcome.requests_emitted,
            "errors": line_errors(outcome.errors),
            "warnings": line_errors(outcome.warnings),
            **outcome.details,
        },
    )


def run_not_found() -> JSONResponse:
    return field_error(
        404, "run_id", "NOT_FOUND", "No such reconciliation run. / Rekonsiliasi tidak ditemukan."
    )


async def fetch_run(request: Request, run_id: uuid.UUID) -> Any:
    return await runtime_of(request).pool.fetchrow(
        "SELECT * FROM reconciliation_runs WHERE run_id = $1", run_id
    )
