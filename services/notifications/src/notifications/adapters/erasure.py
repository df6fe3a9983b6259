"""Erasure of a resident's clear copies at notifications (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

__all__ = ["ERASED_MESSAGE", "erase_resident"]

ERASED_MESSAGE = "ERASED"
"""``last_error`` of a message still pending when its resident was erased (never sent)."""


async def erase_resident(conn: asyncpg.Connection, participant_id: str) -> None:
    """Forget what notifications holds of the resident, sealed or still in clear, in the
    caller's transaction (Dinas Sosial has destroyed the key their copies were sealed
    under, in backups too): the contact (name, sex, phone, e-mail), the subjects and bodies
    of the messages about them (they greet them by name) and their dev-sink copies (with
    the address), the text, reply address and answer of the feedback items they sent under
    their pseudonym. A message still pending is never sent (``failed``, ``ERASED``).
    Statuses, templates, channels and times stay. Idempotent."""
    await conn.execute(
        "UPDATE contacts SET name = NULL, sex = NULL, phone = NULL, email = NULL,"
        " name_sealed = NULL, sex_sealed = NULL, phone_sealed = NULL, email_sealed = NULL,"
        " updated_at = now() WHERE participant_id = $1",
        participant_id,
    )
    await conn.execute(
        "UPDATE sink SET address = NULL, subject = NULL, body = NULL, address_sealed = NULL,"
        " subject_sealed = NULL, body_sealed = NULL"
        " WHERE message_id IN (SELECT message_id FROM messages WHERE participant_id = $1)",
        participant_id,
    )
    await conn.execute(
        "UPDATE messages SET subject = NULL, body = NULL, subject_sealed = NULL,"
        " body_sealed = NULL, last_error = CASE"
        " WHEN status = 'pending' THEN $2 WHEN last_error IS NULL THEN NULL ELSE '' END,"
        " status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,"
        " updated_at = now() WHERE participant_id = $1",
        participant_id,
        ERASED_MESSAGE,
    )
    await conn.execute(
        "UPDATE feedback SET message = NULL, message_sealed = NULL, reply_channel = NULL,"
        " reply_address = NULL, reply_address_sealed = NULL, answer = NULL,"
        " answer_sealed = NULL WHERE participant_id = $1",
        participant_id,
    )
