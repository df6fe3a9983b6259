"""Sealing the rows written before personal data was kept sealed (migration 0010).

``backfill`` runs on its own at start-up (``bootstrap.build_app``), next to the service's
work: batch after batch, each one short transaction over rows locked ``FOR UPDATE SKIP
LOCKED`` (a row an erasure or a refill holds is taken by a later pass), it seals a row's
clear personal columns and sets them to NULL. It is idempotent and resumable: a row once
converted has no clear value left, so a restarted process goes on where the last one
stopped, and two replicas share the work; while rows are left (held by a writer during a
pass) or after a failed pass it runs again a minute later. Readers do not wait for it
(sealed value when present, else the clear one: ``adapters.personal.open_row``).

A proposal of an erased resident (``erased_at``: its key is destroyed) only has its blanked
columns set to NULL; any other proposal's resident is proposed and not erased, so their key
is live, or created now for a row older than the keyring. It logs how many rows it
converted, never a value.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import cast

import asyncpg
from jkn_bus.at_rest import ResidentColumns, ServiceColumns
from jkn_bus.service import ServiceRuntime

from enrollment.adapters.personal import (
    CANDIDATE_FIELDS,
    PROPOSAL_FIELDS,
    candidate_key,
    clear_values,
    sealed,
)
from enrollment.settings import candidate_columns, proposal_columns, service_keys

__all__ = ["Converted", "backfill", "backfill_at_start", "remaining"]

log = logging.getLogger("enrollment.at_rest")

BATCH = 200


def _pending(fields: tuple[str, ...]) -> str:
    # the predicate of the partial indexes *_clear_personal (migration 0010)
    return " OR ".join(f"{f} IS NOT NULL" for f in fields)


def _assignments(fields: tuple[str, ...]) -> str:
    sets = [f"{f} = NULL" for f in fields]
    sets += [f"{sealed(f)} = coalesce(${i}, {sealed(f)})" for i, f in enumerate(fields, 3)]
    return ", ".join(sets)


_PROPOSALS = (
    f"SELECT proposal_id, participant_id, erased_at, {', '.join(PROPOSAL_FIELDS)}"  # noqa: S608 - constants
    f" FROM proposals WHERE {_pending(PROPOSAL_FIELDS)}"
    " ORDER BY proposal_id LIMIT $1 FOR UPDATE SKIP LOCKED"
)
_SEAL_PROPOSAL = (
    f"UPDATE proposals SET {_assignments(PROPOSAL_FIELDS)}"  # noqa: S608 - constants
    " WHERE proposal_id = $1 AND participant_id = $2"
)
_CANDIDATES = (
    f"SELECT run_id, participant_id, {', '.join(CANDIDATE_FIELDS)} FROM candidates"  # noqa: S608 - constants
    f" WHERE {_pending(CANDIDATE_FIELDS)}"
    " ORDER BY run_id, participant_id LIMIT $1 FOR UPDATE SKIP LOCKED"
)
_SEAL_CANDIDATE = (
    f"UPDATE candidates SET {_assignments(CANDIDATE_FIELDS)}"  # noqa: S608 - constants
    " WHERE run_id = $1 AND participant_id = $2"
)


@dataclass(frozen=True)
class Converted:
    proposals: int
    candidates: int


async def _proposals_batch(conn: asyncpg.Connection, personal: ResidentColumns) -> int:
    async with conn.transaction():
        rows = await conn.fetch(_PROPOSALS, BATCH)
        for r in rows:
            if r["erased_at"] is not None:  # blanked at erasure, its key destroyed
                blobs: dict[str, bytes | None] = dict.fromkeys(PROPOSAL_FIELDS)
            else:
                values = clear_values({f: r[f] or None for f in PROPOSAL_FIELDS})
                values["address"] = r["address"]  # '' is a value the form allows
                blobs = await personal.seal(conn, r["participant_id"], values, create=True)
            pid = r["participant_id"]
            await conn.execute(
                _SEAL_PROPOSAL, r["proposal_id"], pid, *(blobs[f] for f in PROPOSAL_FIELDS)
            )
    return len(rows)


async def _candidates_batch(conn: asyncpg.Connection, personal: ServiceColumns) -> int:
    async with conn.transaction():
        rows = await conn.fetch(_CANDIDATES, BATCH)
        for r in rows:
            key = candidate_key(r["run_id"], r["participant_id"])
            values = clear_values({f: r[f] for f in CANDIDATE_FIELDS})
            blobs = await personal.seal(conn, key, values)
            await conn.execute(
                _SEAL_CANDIDATE,
                r["run_id"],
                r["participant_id"],
                *(blobs[f] for f in CANDIDATE_FIELDS),
            )
    return len(rows)


async def backfill(runtime: ServiceRuntime) -> Converted:
    """Seal every row still holding clear personal columns; how many were converted."""
    url = runtime.settings.database_url
    await service_keys(url).pin(runtime.pool)
    candidates = candidate_columns(url)
    proposals = 0
    candidate_rows = 0
    async with runtime.pool.acquire() as pooled:
        conn = cast(asyncpg.Connection, pooled)  # the proxy forwards every call to it
        while done := await _proposals_batch(conn, proposal_columns()):
            proposals += done
        while done := await _candidates_batch(conn, candidates):
            candidate_rows += done
    if proposals or candidate_rows:
        log.info(
            "personal data at rest: sealed %d proposal(s), %d candidate(s) kept in clear before",
            proposals,
            candidate_rows,
        )
    return Converted(proposals, candidate_rows)


async def remaining(pool: asyncpg.Pool) -> int:
    """Rows of proposals and candidates still holding a clear personal value."""
    proposals = await pool.fetchval(
        f"SELECT count(*) FROM proposals WHERE {_pending(PROPOSAL_FIELDS)}"  # noqa: S608 - constants
    )
    candidates = await pool.fetchval(
        f"SELECT count(*) FROM candidates WHERE {_pending(CANDIDATE_FIELDS)}"  # noqa: S608 - constants
    )
    return int(proposals) + int(candidates)


async def backfill_at_start(runtime: ServiceRuntime, *, retry_s: float = 60.0) -> None:
    """``backfill`` as the start-up task, run again ``retry_s`` later while rows are left
    (a pass skips the rows a writer holds locked) or after a failed pass, which is logged by
    its class (never its text: it could quote a value)."""
    while True:
        try:
            await backfill(runtime)
            if not await remaining(runtime.pool):
                return
        except Exception as exc:  # a background pass must not die unseen
            log.error("personal data at rest: backfill pass failed (%s)", type(exc).__name__)
        await asyncio.sleep(retry_s)
