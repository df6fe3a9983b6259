"""Erasure of a resident's copies at Dinas Kesehatan (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

from verification.adapters.protection import Protection

__all__ = ["erase_resident"]


async def erase_resident(
    conn: asyncpg.Connection, participant_id: str, protection: Protection
) -> int:
    """Forget the resident's personal fields, in the caller's transaction: each proposal's
    sealed resident and NIK hash (null, ``erased_at`` set; their key is already destroyed,
    so every other copy, backups included, is unreadable) and the reference registries'
    rows (civil registry, DTKS/DTSEN) under the NIKs they were proposed with. A proposal
    not converted by the backfill yet still has its clear ``resident``: blanked the same
    way. Idempotent; the number of proposals erased now."""
    rows = await conn.fetch(
        "SELECT DISTINCT nik_hash, resident->>'nik' AS nik FROM proposals"
        " WHERE participant_id = $1 AND (resident IS NOT NULL OR nik_hash IS NOT NULL)",
        participant_id,
    )
    hashes = {r["nik_hash"] for r in rows if r["nik_hash"] is not None}
    niks = {r["nik"] for r in rows if r["nik"]}
    hashes |= {protection.nik_hash(nik) for nik in niks}
    for table in ("civil_registry", "dtks"):
        await conn.execute(
            f"DELETE FROM {table} WHERE nik_hash = ANY($1::bytea[]) OR nik = ANY($2::text[])",  # noqa: S608 - constant names
            list(hashes),
            list(niks),
        )
    erased: int = await conn.fetchval(
        "WITH erased AS (UPDATE proposals"
        " SET resident = NULL, resident_sealed = NULL, nik_hash = NULL, erased_at = now()"
        " WHERE participant_id = $1"
        " AND (resident IS NOT NULL OR resident_sealed IS NOT NULL OR nik_hash IS NOT NULL)"
        " RETURNING 1)"
        " SELECT count(*) FROM erased",
        participant_id,
    )
    return erased
