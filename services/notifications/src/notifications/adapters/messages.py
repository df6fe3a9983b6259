"""The messages table: decided in the inbox transaction, sent by the dispatcher."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import asyncpg
from jkn_bus.telemetry import current_trace_headers

__all__ = [
    "WAKE_CHANNEL",
    "NewMessage",
    "claim_due",
    "for_feedback",
    "for_participant",
    "insert",
    "mark_failed",
    "mark_sent",
    "retry_later",
    "summary",
]

# NOTIFY channel that wakes the dispatchers when a message is committed.
WAKE_CHANNEL = "jkn_notifications_dispatch"

_VIEW = (
    "message_id, participant_id, correlation_id, about_event_id, about_event_type, template,"
    " subject, body, channel, status, attempts, last_error, created_at, updated_at, sent_at,"
    " trace_headers, tracking_number"
)
# Once the channel has the message, a secret it carried (a feedback access code) is masked
# in the stored body: the sender has it, and the database keeps only its hash.
_MASK_CARRIED_CODE = (
    "body = CASE WHEN secret IS NULL THEN body ELSE replace(body, secret, '********') END,"
    " secret = NULL"
)


@dataclass(frozen=True)
class NewMessage:
    """A message about a participant's event, or (``tracking_number``, no participant) a
    reply of the feedback channel."""

    message_id: uuid.UUID
    idempotency_key: str
    participant_id: str | None
    correlation_id: uuid.UUID | None
    about_event_id: uuid.UUID | None
    about_event_type: str | None
    template: str
    subject: str
    body: str = field(repr=False)
    channel: str
    tracking_number: str | None = None
    secret: str | None = field(default=None, repr=False)


async def insert(conn: asyncpg.Connection, m: NewMessage) -> bool:
    """Add a pending message unless one with its idempotency key exists; True if added."""
    added = await conn.fetchval(
        "INSERT INTO messages (message_id, idempotency_key, participant_id, correlation_id,"
        " about_event_id, about_event_type, template, subject, body, channel, trace_headers,"
        " tracking_number, secret)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)"
        " ON CONFLICT DO NOTHING RETURNING true",
        m.message_id,
        m.idempotency_key,
        m.participant_id,
        m.correlation_id,
        m.about_event_id,
        m.about_event_type,
        m.template,
        m.subject,
        m.body,
        m.channel,
        json.dumps(current_trace_headers()),
        m.tracking_number,
        m.secret,
    )
    if added:
        await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)  # delivered on commit
    return bool(added)


async def claim_due(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """Lock the oldest due pending message for this transaction, skipping those another
    dispatcher holds: two dispatchers never send the same message."""
    return await conn.fetchrow(
        f"SELECT {_VIEW} FROM messages"  # noqa: S608 - constant columns
        " WHERE status = 'pending' AND next_attempt_at <= now()"
        " ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED"
    )


async def mark_sent(conn: asyncpg.Connection, message_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE messages SET status = 'sent', attempts = attempts + 1, last_error = NULL,"  # noqa: S608 - constants
        f" sent_at = now(), updated_at = now(), {_MASK_CARRIED_CODE} WHERE message_id = $1",
        message_id,
    )


async def mark_failed(conn: asyncpg.Connection, message_id: uuid.UUID, error: str) -> None:
    await conn.execute(
        "UPDATE messages SET status = 'failed', attempts = attempts + 1, last_error = $2,"  # noqa: S608 - constants
        f" updated_at = now(), {_MASK_CARRIED_CODE} WHERE message_id = $1",
        message_id,
        error,
    )


async def retry_later(
    conn: asyncpg.Connection, message_id: uuid.UUID, error: str, delay_s: float
) -> None:
    await conn.execute(
        "UPDATE messages SET attempts = attempts + 1, last_error = $2, updated_at = now(),"
        " next_attempt_at = now() + make_interval(secs => $3) WHERE message_id = $1",
        message_id,
        error,
        delay_s,
    )


async def for_participant(pool: asyncpg.Pool, participant_id: str) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            f"SELECT {_VIEW} FROM messages WHERE participant_id = $1"  # noqa: S608 - constant
            " ORDER BY created_at, message_id",
            participant_id,
        )
    )


async def for_feedback(pool: asyncpg.Pool, tracking_number: str) -> list[asyncpg.Record]:
    """The replies sent (or to be sent) to the sender of a feedback item."""
    return list(
        await pool.fetch(
            f"SELECT {_VIEW} FROM messages WHERE tracking_number = $1"  # noqa: S608 - constant
            " ORDER BY created_at, message_id",
            tracking_number,
        )
    )


async def summary(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            "SELECT template, status, count(*) AS count FROM messages"
            " GROUP BY template, status ORDER BY template, status"
        )
    )
