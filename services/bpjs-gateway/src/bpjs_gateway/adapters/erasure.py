"""Erasure of a resident's copies at the gateway (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

__all__ = ["erase_participant"]


async def erase_participant(conn: asyncpg.Connection, participant_id: str) -> bool:
    """Drop the participant's NIK and BPJS's free-text messages about them (they may echo a
    name or the NIK), sealed or still in clear, in the caller's transaction: Dinas Sosial
    has destroyed the resident's key, so their sealed copies in backups are unreadable
    too. The card number, the clinic, statuses and BPJS's codes stay. Idempotent: True
    when a NIK or a message was dropped now."""
    await conn.execute(
        "UPDATE bpjs_mutations SET bpjs_message = NULL, bpjs_message_sealed = NULL"
        " WHERE participant_id = $1"
        " AND (bpjs_message IS NOT NULL OR bpjs_message_sealed IS NOT NULL)",
        participant_id,
    )
    blanked = await conn.fetchval(
        "UPDATE participants SET nik = NULL, nik_sealed = NULL, bpjs_message = NULL,"
        " bpjs_message_sealed = NULL, updated_at = now() WHERE participant_id = $1"
        " AND (nik IS NOT NULL OR nik_sealed IS NOT NULL OR bpjs_message IS NOT NULL"
        " OR bpjs_message_sealed IS NOT NULL) RETURNING true",
        participant_id,
    )
    return bool(blanked)
