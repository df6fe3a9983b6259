"""Erasure of a resident's clear copies at Dinas Kesehatan (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

__all__ = ["erase_resident"]


async def erase_resident(conn: asyncpg.Connection, participant_id: str) -> int:
    """Forget the resident's personal fields, in the caller's transaction: each proposal's
    ``resident`` (null, ``erased_at`` set) and the rows of the reference registries' copies
    (civil registry, DTKS/DTSEN) under the NIKs they were proposed with. Idempotent; the
    number of proposals erased now."""
    niks = [
        r["nik"]
        for r in await conn.fetch(
            "SELECT DISTINCT resident->>'nik' AS nik FROM proposals"
            " WHERE participant_id = $1 AND resident IS NOT NULL",
            participant_id,
        )
        if r["nik"]
    ]
    if niks:
        await conn.execute("DELETE FROM civil_registry WHERE nik = ANY($1::text[])", niks)
        await conn.execute("DELETE FROM dtks WHERE nik = ANY($1::text[])", niks)
    erased: int = await conn.fetchval(
        "WITH erased AS (UPDATE proposals SET resident = NULL, erased_at = now()"
        " WHERE participant_id = $1 AND resident IS NOT NULL RETURNING 1)"
        " SELECT count(*) FROM erased",
        participant_id,
    )
    return erased
