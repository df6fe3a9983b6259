"""The start-up backfill: rows written in clear before migration 0005, sealed and hashed.

It runs on its own when the service starts (``bootstrap``), beside the consumer: batches of
``batch`` rows, each batch one short transaction whose rows are taken ``FOR UPDATE SKIP
LOCKED`` (two replicas share the work, a handler's row is never waited for). A converted
row has its clear columns null, so a batch only ever finds rows still to do: stopping and
starting again resumes where it was, and a second run finds nothing. Readers read the
sealed columns when present, else the clear ones (``registries``, ``repository``).

A proposal whose resident has no live key (erased, their key destroyed, or proposed before
residents had keys: it could not be passed on sealed either) cannot be sealed: its clear
copy is blanked, counted as ``blanked``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from jkn_bus.personal_data import PersonalDataErased

from verification.adapters.metrics import BACKFILLED
from verification.adapters.protection import Conn, Protection
from verification.adapters.registries import KEPT, SEALED, stored_row

__all__ = ["backfill"]

log = logging.getLogger(__name__)

_Batch = Callable[[Conn, Protection, int], Awaitable[dict[str, int]]]


async def _registry_batch(
    table: str, conn: Conn, protection: Protection, batch: int
) -> dict[str, int]:
    clear = ("nik", "kk", *SEALED[table])
    rows = await conn.fetch(
        f"SELECT ctid, {', '.join(clear)}, {', '.join(KEPT[table])} FROM {table}"  # noqa: S608 - constant names
        " WHERE nik IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED",
        batch,
    )
    stored = [(row["ctid"], await stored_row(conn, protection, table, row)) for row in rows]
    sealed = [f"{c}_sealed" for c in SEALED[table]]
    assignments = ", ".join(
        [
            "nik_hash = $2",
            "kk_hash = $3",
            *(f"{c} = ${i}" for i, c in enumerate(sealed, start=4)),
            *(f"{c} = NULL" for c in clear),
        ]
    )
    await conn.executemany(
        f"UPDATE {table} SET {assignments} WHERE ctid = $1",  # noqa: S608 - constant names
        [(ctid, r["nik_hash"], r["kk_hash"], *(r[c] for c in sealed)) for ctid, r in stored],
    )
    return {"converted": len(stored)}


async def _proposals_batch(conn: Conn, protection: Protection, batch: int) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT proposal_id, participant_id, resident FROM proposals"
        " WHERE resident IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED",
        batch,
    )
    counts = {"converted": 0, "blanked": 0}
    for row in rows:
        resident = json.loads(row["resident"])
        try:
            sealed = await protection.proposals.seal(
                conn, row["participant_id"], {"resident": row["resident"]}
            )
        except PersonalDataErased:
            sealed, counts["blanked"] = {"resident": None}, counts["blanked"] + 1
        else:
            counts["converted"] += 1
        await conn.execute(
            "UPDATE proposals SET resident = NULL, resident_sealed = $2, nik_hash = $3"
            " WHERE proposal_id = $1",
            row["proposal_id"],
            sealed["resident"],
            protection.nik_hash(resident["nik"]),  # an erasure still finds its registry rows
        )
    return counts


def _registry(table: str) -> _Batch:
    async def batch(conn: Conn, protection: Protection, size: int) -> dict[str, int]:
        return await _registry_batch(table, conn, protection, size)

    return batch


_TABLES: dict[str, tuple[_Batch, str]] = {  # the batch, and what a row still to do is
    "civil_registry": (_registry("civil_registry"), "nik IS NOT NULL"),
    "dtks": (_registry("dtks"), "nik IS NOT NULL"),
    "proposals": (_proposals_batch, "resident IS NOT NULL"),
}


async def backfill(
    pool: asyncpg.Pool, protection: Protection, *, batch: int = 500, retry_s: float = 1.0
) -> dict[str, dict[str, int]]:
    """Convert every clear row of verification's tables; ``{table: {outcome: rows}}`` done
    by this run (zeros when there was nothing to do)."""
    done: dict[str, dict[str, int]] = {}
    for table, (convert, to_do) in _TABLES.items():
        totals: dict[str, int] = {}
        while True:
            async with pool.acquire() as conn, conn.transaction():
                counts = await convert(conn, protection, batch)
            for outcome, n in counts.items():
                totals[outcome] = totals.get(outcome, 0) + n
                BACKFILLED.labels(table, outcome).inc(n)
            if any(counts.values()):
                continue
            # nothing taken: done, unless the rows left are locked by a handler for now
            if not await pool.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {to_do})"):  # noqa: S608 - constants
                break
            await asyncio.sleep(retry_s)
        done[table] = totals
        if any(totals.values()):
            log.info("personal data at rest: %s backfilled %s", table, totals)
    return done
