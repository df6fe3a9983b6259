"""The report of one reconciliation run: what was read, asked for, applied and refilled.

Participants appear by their pseudonym (participant_id) only: the report is shared with
officers of other offices and kelurahan, and the file's line number points each row back
to the officer's own file.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from typing import Any

import asyncpg
from jkn_bus.spreadsheet import safe_row

from enrollment.app.run_ports import OutcomeStore

__all__ = [
    "REQUEST_CSV_COLUMNS",
    "approval_of",
    "build_report",
    "preview_of",
    "request_rows",
    "requests_csv",
]

REQUEST_CSV_COLUMNS = (
    "line",
    "participant_id",
    "reason",
    "kelurahan",
    "evidence_ref",
    "reported_by",
    "requested_at",
    "slot_released_at",
    "deactivated",
    "effective_date",
    "withdrawn",
    "replaced_by",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def request_rows(
    pool: asyncpg.Pool, run_id: uuid.UUID, *, outcomes: OutcomeStore
) -> list[dict[str, Any]]:
    """One dict per request (REQUEST_CSV_COLUMNS), with who replaced the participant.
    ``outcomes``: the store ``bootstrap`` wired."""
    run_outcomes = outcomes
    requests = await run_outcomes.requests_of(pool, run_id)
    replaced: defaultdict[int, list[str]] = defaultdict(list)
    for a in await run_outcomes.replacements_of(pool, run_id):
        replaced[a["request_id"]].append(a["participant_id"])
    return [
        {
            "line": r["line"],
            "participant_id": r["participant_id"],
            "reason": r["reason"],
            "kelurahan": r["kelurahan"],
            "evidence_ref": r["evidence_ref"],
            "reported_by": r["reported_by"],
            "requested_at": _iso(r["emitted_at"]),
            "slot_released_at": _iso(r["slot_released_at"]),
            "deactivated": r["effective_date"] is not None,
            "effective_date": _iso(r["effective_date"]),
            "withdrawn": bool(r["withdrawn"]),
            "replaced_by": replaced.get(r["request_id"], []),
            "_quota": (r["slot_released_at"], r["quota_used"], r["quota_total"]),
        }
        for r in requests
    ]


def _quota(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Quota around the run, from the SlotReleased payloads (used after each release).

    Before: the first release's count plus the slot it freed. After: the last release's
    count plus the residents admitted into the room it made (Dinkes refills in the same
    transaction, so nothing else can come between).
    """
    seen = sorted((r["_quota"], len(r["replaced_by"])) for r in rows if r["_quota"][0] is not None)
    if not seen:
        return {"before": None, "after": None}
    (_, first_used, first_total), _ = seen[0]
    (_, last_used, last_total), last_admitted = seen[-1]
    return {
        "before": {"used": first_used + 1, "total": first_total},
        "after": {"used": last_used + last_admitted, "total": last_total},
        "first_seen": {"used": first_used, "total": first_total},
        "last_seen": {"used": last_used, "total": last_total},
    }


def preview_of(run: asyncpg.Record, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What the run does (or did) once approved: who would lose coverage (pseudonyms),
    by reason and kelurahan, and their share of the participants it was checked against."""
    base = run["participants"]
    return {
        "deactivations": len(rows),
        "by_reason": dict(Counter(r["reason"] for r in rows)),
        "by_kelurahan": dict(Counter(r["kelurahan"] for r in rows if r["kelurahan"])),
        "current_participants": base,
        "share": round(len(rows) / base, 4) if base else None,
        "participants": [r["participant_id"] for r in rows],
    }


def approval_of(run: asyncpg.Record) -> dict[str, Any]:
    """Who uploaded the run and who decided it (pseudonymous actor ids), and how."""
    decided = run["decided_by_id"]
    return {
        "status": {"preview": "pending", "rejected": "rejected"}.get(run["status"], "approved"),
        "uploaded_by": {"id": run["actor_id"], "agency": run["actor_agency"]}
        if run["actor_id"]
        else None,
        "decided_by": {"id": decided, "agency": run["decided_by_agency"]} if decided else None,
        "decided_at": _iso(run["decided_at"]),
        "approve_url": f"/reconciliation/runs/{run['run_id']}/approve",
        "reject_url": f"/reconciliation/runs/{run['run_id']}/reject",
    }


async def build_report(
    pool: asyncpg.Pool, run: asyncpg.Record, *, outcomes: OutcomeStore
) -> dict[str, Any]:
    """The run's report (``outcomes``: the store ``bootstrap`` wired)."""
    run_outcomes = outcomes
    run_id = run["run_id"]
    rows = await request_rows(pool, run_id, outcomes=run_outcomes)
    applied = [r for r in rows if r["deactivated"]]
    replacements = [pid for r in rows for pid in r["replaced_by"]]
    report: dict[str, Any] = {
        "run_id": str(run_id),
        "kind": run["kind"],
        # the system whose submitted findings the run collects (None: an uploaded file)
        "submitted_by": run["submitted_by"],
        "fingerprint": run["fingerprint"],
        "status": run["status"],
        "received_at": _iso(run["received_at"]),
        "completed_at": _iso(run["completed_at"]),
        "rows": {
            "read": run["rows_read"],
            "valid": run["rows_valid"],
            "invalid": run["rows_invalid"],
        },
        "errors_by_rule": await run_outcomes.error_counts(pool, run_id),
        "errors_url": f"/reconciliation/runs/{run_id}/errors",
        "requests": {
            "emitted": sum(1 for r in rows if r["requested_at"] is not None),
            "planned": len(rows),
            "by_reason": dict(Counter(r["reason"] for r in rows)),
            "by_kelurahan": dict(Counter(r["kelurahan"] for r in rows if r["kelurahan"])),
        },
        "slots_released": sum(1 for r in rows if r["slot_released_at"] is not None),
        "applied": {
            "deactivated": len(applied),
            "by_reason": dict(Counter(r["reason"] for r in applied)),
            "by_effective_date": dict(Counter(r["effective_date"] for r in applied)),
            # proposals that held no slot yet (pending or waiting): withdrawn by Dinkes
            "withdrawn": sum(1 for r in rows if r["withdrawn"]),
        },
        "replacements": {"count": len(replacements), "participants": replacements},
        "quota": _quota(rows),
        "preview": preview_of(run, rows),
        "approval": approval_of(run),
    }
    if run["kind"] == "snapshot":
        report["eligible_deciles"] = list(run["eligible_deciles"] or [])
        report["candidates"] = await run_outcomes.candidate_counts(pool, run_id)
    return report


def requests_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REQUEST_CSV_COLUMNS)
    for r in rows:
        values = {
            **r,
            "replaced_by": " ".join(r["replaced_by"]),
            "deactivated": "yes" if r["deactivated"] else "no",
            "withdrawn": "yes" if r["withdrawn"] else "no",
        }
        # evidence_ref and reported_by come from a kelurahan's file: never a formula
        writer.writerow(safe_row(values[c] for c in REQUEST_CSV_COLUMNS))
    return out.getvalue()
