"""What the other agencies did after our deactivation requests, and a run's report rows."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from jkn_bus.metrics import STAGE_SECONDS
from jkn_contracts import ParticipantDeactivated, ParticipantVerified, SlotReleased

__all__ = [
    "candidate_counts",
    "error_counts",
    "list_runs",
    "record_admission",
    "record_deactivation",
    "record_slot_release",
    "replacements_of",
    "requests_of",
    "run_errors",
]


async def record_slot_release(conn: asyncpg.Connection, event: SlotReleased) -> None:
    await conn.execute(
        "INSERT INTO slot_releases (event_id, causation_id, participant_id, quota_used,"
        " quota_total, occurred_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        event.event_id,
        event.causation_id,
        event.participant_id,
        event.payload.quota_used,
        event.payload.quota_total,
        event.occurred_at,
    )


async def record_deactivation(conn: asyncpg.Connection, event: ParticipantDeactivated) -> None:
    # Stage latency for operators: our DeactivationRequested → Dinkes' SlotReleased (the
    # deactivation's cause) → BPJS's ParticipantDeactivated.
    requested_at = await conn.fetchval(
        "SELECT r.created_at FROM slot_releases s"
        " JOIN deactivation_requests r ON r.event_id = s.causation_id WHERE s.event_id = $1",
        event.causation_id,
    )
    if requested_at is not None:
        elapsed = (event.occurred_at - requested_at).total_seconds()
        STAGE_SECONDS.labels("deactivation_requested_to_deactivated").observe(max(elapsed, 0.0))
    await conn.execute(
        "INSERT INTO deactivations (event_id, causation_id, participant_id, reason,"
        " effective_date, occurred_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        event.event_id,
        event.causation_id,
        event.participant_id,
        event.payload.reason.value,
        event.payload.effective_date,
        event.occurred_at,
    )


async def record_admission(conn: asyncpg.Connection, event: ParticipantVerified) -> None:
    await conn.execute(
        "INSERT INTO waitlist_admissions (event_id, causation_id, participant_id, occurred_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        event.event_id,
        event.causation_id,
        event.participant_id,
        event.occurred_at,
    )


async def requests_of(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> list[asyncpg.Record]:
    """The run's requests with their slot release and BPJS deactivation, if seen yet, and
    whether Dinkes withdrew the proposal instead (it held no slot yet: pending or waiting,
    VerificationRejected with a WITHDRAWN_<REASON> code)."""
    return list(
        await conn.fetch(
            "SELECT r.request_id, r.event_id, r.participant_id, r.reason, r.kelurahan,"
            " r.evidence_ref, r.reported_by, r.line, r.created_at, r.emitted_at,"
            " s.event_id AS slot_event_id, s.occurred_at AS slot_released_at,"
            " s.quota_used, s.quota_total, d.effective_date, d.occurred_at AS deactivated_at,"
            " (p.status = 'rejected' AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.reasons) e"
            "   WHERE e->>'code' LIKE 'WITHDRAWN\\_%')) AS withdrawn"
            " FROM deactivation_requests r"
            " JOIN proposals p ON p.proposal_id = r.proposal_id"
            " LEFT JOIN LATERAL (SELECT * FROM slot_releases x WHERE x.causation_id = r.event_id"
            "   ORDER BY x.occurred_at LIMIT 1) s ON true"
            " LEFT JOIN LATERAL (SELECT * FROM deactivations y"
            "   WHERE y.causation_id IN (s.event_id, r.event_id)"
            "   ORDER BY y.occurred_at LIMIT 1) d ON true"
            " WHERE r.run_id = $1 ORDER BY r.request_id",
            run_id,
        )
    )


async def replacements_of(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> list[asyncpg.Record]:
    """Residents admitted from the waiting list into slots this run's requests freed.

    Dinkes admits them in the transaction that handles our request, so the admission's
    causation is the request; the SlotReleased is accepted as cause too.
    """
    return list(
        await conn.fetch(
            "SELECT DISTINCT ON (a.event_id) a.participant_id, a.occurred_at, r.request_id"
            " FROM waitlist_admissions a"
            " LEFT JOIN slot_releases s ON s.event_id = a.causation_id"
            " JOIN deactivation_requests r"
            "   ON r.event_id = a.causation_id OR r.event_id = s.causation_id"
            " WHERE r.run_id = $1 ORDER BY a.event_id",
            run_id,
        )
    )


async def run_errors(
    conn: asyncpg.Connection | asyncpg.Pool,
    run_id: uuid.UUID,
    *,
    offset: int = 0,
    limit: int = 1000,
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT line, field, rule, message, first_line FROM reconciliation_errors"
            " WHERE run_id = $1 ORDER BY line, id OFFSET $2 LIMIT $3",
            run_id,
            offset,
            limit,
        )
    )


async def error_counts(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT rule, count(*) AS n FROM reconciliation_errors WHERE run_id = $1 GROUP BY rule",
        run_id,
    )
    return {r["rule"]: r["n"] for r in rows}


async def list_runs(
    conn: asyncpg.Connection | asyncpg.Pool, limit: int = 100
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT r.*, (SELECT count(*) FROM deactivation_requests q WHERE q.run_id = r.run_id)"
            " AS requests FROM reconciliation_runs r ORDER BY received_at DESC LIMIT $1",
            limit,
        )
    )


async def candidate_counts(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID
) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT status, welfare_decile, count(*) AS n FROM candidates WHERE run_id = $1"
        " GROUP BY status, welfare_decile ORDER BY welfare_decile",
        run_id,
    )
    by_decile: dict[str, int] = {}
    for r in rows:
        by_decile[str(r["welfare_decile"])] = by_decile.get(str(r["welfare_decile"]), 0) + r["n"]
    return {
        "total": sum(r["n"] for r in rows),
        "proposed": sum(r["n"] for r in rows if r["status"] == "proposed"),
        "already_proposed": sum(r["n"] for r in rows if r["status"] == "already_proposed"),
        "by_decile": by_decile,
    }
