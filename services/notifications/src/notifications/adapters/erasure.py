"""Erasure of a resident's clear copies at notifications (on ResidentDataErased)."""

from __future__ import annotations

import asyncpg

__all__ = ["ERASED_MESSAGE", "erase_resident"]

ERASED_MESSAGE = "ERASED"
"""``last_error`` of a message still pending when its resident was erased (never sent)."""


async def erase_resident(conn: asyncpg.Connection, participant_id: str) -> None:
    """Forget what notifications holds of the resident, in the caller's transaction: the
    contact (name, sex, phone, e-mail), the subjects and bodies of the messages about them
    (they greet them by name) and their dev-sink copies (with the address), the text and
    reply address of the feedback items they sent under their pseudonym. A message still
    pending is never sent (``failed``, ``ERASED``). Statuses, templates, channels and
    times stay. Idempotent."""
    await conn.execute(
        "UPDATE contacts SET name = NULL, sex = NULL, phone = NULL, email = NULL,"
        " updated_at = now() WHERE participant_id = $1",
        participant_id,
    )
    await conn.execute(
        "UPDATE sink SET address = NULL, subject = '', body = ''"
        " WHERE message_id IN (SELECT message_id FROM messages WHERE participant_id = $1)",
        participant_id,
    )
    await conn.execute(
        "UPDATE messages SET subject = '', body = '', last_error = CASE"
        " WHEN status = 'pending' THEN $2 WHEN last_error IS NULL THEN NULL ELSE '' END,"
        " status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,"
        " updated_at = now() WHERE participant_id = $1",
        participant_id,
        ERASED_MESSAGE,
    )
    await conn.execute(
        "UPDATE feedback SET message = '', reply_channel = NULL, reply_address = NULL,"
        " answer = CASE WHEN answer IS NULL THEN NULL ELSE '' END WHERE participant_id = $1",
        participant_id,
    )
