"""The messages table: decided in the inbox transaction, sent by the dispatcher.

Subjects and bodies are written sealed only (``adapters.at_rest``: under the resident's key,
or the service's bound to the tracking number for a feedback reply) and read opened
(``texts``): an erased resident's read as empty, as the erasure used to blank them.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
from jkn_bus.telemetry import current_trace_headers

from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import NewMessage

__all__ = [
    "WAKE_CHANNEL",
    "NewMessage",
    "claim_due",
    "for_feedback",
    "for_participant",
    "insert",
    "mark_failed",
    "mark_sent",
    "masked_body",
    "retry_later",
    "summary",
    "texts",
]

# NOTIFY channel that wakes the dispatchers when a message is committed.
WAKE_CHANNEL = "jkn_notifications_dispatch"

_VIEW = (
    "message_id, participant_id, correlation_id, about_event_id, about_event_type, template,"
    " subject, subject_sealed, body, body_sealed, channel, status, attempts, last_error,"
    " created_at, updated_at, sent_at, trace_headers, tracking_number, secret"
)
_TEXTS = ("subject", "body")
# Once the channel has the message, a secret it carried (a feedback access code) is masked
# in the stored body (sealed: {masked}, sealed again by the caller; a row still in clear:
# here): the sender has it, and the database keeps only its hash.
_MASK_CARRIED_CODE = (
    "body = CASE WHEN secret IS NULL THEN body ELSE replace(body, secret, '********') END,"
    " body_sealed = coalesce({masked}, body_sealed), secret = NULL"
)


def _row_key(row: Any) -> str:
    key: str = row["participant_id"] or row["tracking_number"]
    return key


async def texts(conn: Any, columns: NotificationsColumns, row: Any) -> tuple[str, str]:
    """``(subject, body)`` of a message row, opened ('' once its resident is erased)."""
    clear = await columns.messages.open(conn, _row_key(row), row, _TEXTS)
    return clear["subject"] or "", clear["body"] or ""


async def masked_body(conn: Any, columns: NotificationsColumns, row: Any) -> bytes | None:
    """The row's body sealed again with its carried secret masked; None when it carries no
    secret or is not sealed (nothing to change, or masked in SQL)."""
    if row["secret"] is None or row["body_sealed"] is None:
        return None
    _, body = await texts(conn, columns, row)
    sealed = await columns.messages.seal(
        conn,
        _row_key(row),
        {"body": body.replace(row["secret"], "********")},
        resident=row["participant_id"] is not None,
    )
    blob: bytes | None = sealed["body"]
    return blob


async def insert(conn: asyncpg.Connection, columns: NotificationsColumns, m: NewMessage) -> bool:
    """Add a pending message unless one with its idempotency key exists; True if added."""
    about = m.participant_id or m.tracking_number
    assert about is not None  # a message is about a participant or a feedback item
    sealed = await columns.messages.seal(
        conn, about, {"subject": m.subject, "body": m.body}, resident=m.participant_id is not None
    )
    # the dispatchers' wake-up in the same statement, only when a row was added; NOTIFY is
    # delivered on commit
    added = await conn.fetchval(
        "WITH added AS (INSERT INTO messages (message_id, idempotency_key, participant_id,"
        " correlation_id, about_event_id, about_event_type, template, subject_sealed,"
        " body_sealed, channel, trace_headers, tracking_number, secret)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)"
        " ON CONFLICT DO NOTHING RETURNING true AS added)"
        " SELECT added, pg_notify($14, '') FROM added",
        m.message_id,
        m.idempotency_key,
        m.participant_id,
        m.correlation_id,
        m.about_event_id,
        m.about_event_type,
        m.template,
        sealed["subject"],
        sealed["body"],
        m.channel,
        json.dumps(current_trace_headers()),
        m.tracking_number,
        m.secret,
        WAKE_CHANNEL,
    )
    return bool(added)


async def claim_due(
    conn: asyncpg.Connection, participants: list[str], limit: int
) -> list[asyncpg.Record]:
    """Lock up to ``limit`` due pending messages of ``participants`` (whose contact rows
    this transaction holds, ``contacts.lock_due``) and due feedback replies (no
    participant), oldest created first, skipping those another transaction holds: two
    dispatchers never send the same message. A participant's claimed messages are their
    oldest due ones, in created order."""
    return list(
        await conn.fetch(
            f"SELECT {_VIEW} FROM messages"  # noqa: S608 - constant columns
            " WHERE status = 'pending' AND next_attempt_at <= now()"
            " AND (participant_id = ANY($1::text[]) OR participant_id IS NULL)"
            " ORDER BY created_at, message_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            participants,
            limit,
        )
    )


async def mark_sent(conn: asyncpg.Connection, sent: list[tuple[uuid.UUID, bytes | None]]) -> None:
    """Mark every message of ``sent`` (message id, its body sealed again without its carried
    secret: ``masked_body``) sent, with one statement."""
    if not sent:
        return
    mask = _MASK_CARRIED_CODE.format(masked="v.masked")
    await conn.execute(
        "UPDATE messages SET status = 'sent', attempts = attempts + 1, last_error = NULL,"  # noqa: S608 - constants
        f" sent_at = now(), updated_at = now(), {mask}"
        " FROM unnest($1::uuid[], $2::bytea[]) AS v(message_id, masked)"
        " WHERE messages.message_id = v.message_id",
        [message_id for message_id, _ in sent],
        [masked for _, masked in sent],
    )


async def mark_failed(
    conn: asyncpg.Connection, message_id: uuid.UUID, error: str, masked: bytes | None
) -> None:
    await conn.execute(
        "UPDATE messages SET status = 'failed', attempts = attempts + 1, last_error = $3,"  # noqa: S608 - constants
        f" updated_at = now(), {_MASK_CARRIED_CODE.format(masked='$2')} WHERE message_id = $1",
        message_id,
        masked,
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


async def _opened(
    pool: asyncpg.Pool, columns: NotificationsColumns, query: str, about: str
) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(query, about)
        opened = []
        for row in rows:
            subject, body = await texts(conn, columns, row)
            opened.append({**dict(row.items()), "subject": subject, "body": body})
        return opened


async def for_participant(
    pool: asyncpg.Pool, columns: NotificationsColumns, participant_id: str
) -> list[dict[str, Any]]:
    """The participant's messages, their subjects and bodies opened."""
    return await _opened(
        pool,
        columns,
        f"SELECT {_VIEW} FROM messages WHERE participant_id = $1"  # noqa: S608 - constant
        " ORDER BY created_at, message_id",
        participant_id,
    )


async def for_feedback(
    pool: asyncpg.Pool, columns: NotificationsColumns, tracking_number: str
) -> list[dict[str, Any]]:
    """The replies sent (or to be sent) to the sender of a feedback item, opened."""
    return await _opened(
        pool,
        columns,
        f"SELECT {_VIEW} FROM messages WHERE tracking_number = $1"  # noqa: S608 - constant
        " ORDER BY created_at, message_id",
        tracking_number,
    )


async def summary(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            "SELECT template, status, count(*) AS count FROM messages"
            " GROUP BY template, status ORDER BY template, status"
        )
    )
