"""Erasure of a resident's clear copies at the gateway (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

__all__ = ["erase_participant"]


async def erase_participant(conn: asyncpg.Connection, participant_id: str) -> bool:
    """Blank the participant's NIK (``''``) and drop BPJS's free-text messages about them
    (they may echo a name or the NIK), in the caller's transaction; the card number, the
    clinic, statuses and BPJS's codes stay. Idempotent: True when a NIK was blanked now."""
    await conn.execute(
        "UPDATE bpjs_mutations SET bpjs_message = NULL"
        " WHERE participant_id = $1 AND bpjs_message IS NOT NULL",
        participant_id,
    )
    blanked = await conn.fetchval(
        "UPDATE participants SET nik = '', bpjs_message = NULL, updated_at = now()"
        " WHERE participant_id = $1 AND (nik <> '' OR bpjs_message IS NOT NULL) RETURNING true",
        participant_id,
    )
    return bool(blanked)
