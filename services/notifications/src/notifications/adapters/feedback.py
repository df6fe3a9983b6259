"""The feedback tables: items, their history, and the counts behind the gauges.

``message``, ``reply_address`` and ``answer`` are personal data: written sealed only, under
the service's key bound to the tracking number (``adapters.at_rest``: the sender is not
necessarily a participant), opened only where they are needed (the agency's queue shows
the message, the dispatcher the address, the sender's status the answer), never logged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import NewItem

__all__ = [
    "NewItem",
    "add_history",
    "answer_of",
    "counts",
    "find",
    "find_inbound",
    "history",
    "insert",
    "mark_answered",
    "next_number",
    "queue",
    "reply_addresses",
    "route_to",
]

_ITEM = (
    "tracking_number, access_hash, kind, topic, agency, status, channel, received_at,"
    " due_date, answer, answer_sealed, answered_at, reply_channel, participant_id"
)


async def next_number(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT nextval('feedback_number')"))


async def insert(conn: asyncpg.Connection, columns: NotificationsColumns, item: NewItem) -> bool:
    """Add the item unless its webhook delivery was recorded already; True if added."""
    sealed = await columns.feedback.seal(
        conn,
        item.tracking_number,
        {"message": item.message, "reply_address": item.reply_address},
        resident=False,
    )
    added = await conn.fetchval(
        "INSERT INTO feedback (tracking_number, access_hash, kind, topic, agency, channel,"
        " inbound_message_id, message_sealed, reply_channel, reply_address_sealed,"
        " participant_id, received_at, due_date)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (channel, inbound_message_id) DO NOTHING RETURNING true",
        item.tracking_number,
        item.access_hash,
        item.kind,
        item.topic,
        item.agency,
        item.channel,
        item.inbound_message_id,
        sealed["message"],
        item.reply_channel,
        sealed["reply_address"],
        item.participant_id,
        item.received_at,
        item.due_date,
    )
    return bool(added)


async def find_inbound(
    conn: asyncpg.Connection, channel: str, inbound_message_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_ITEM} FROM feedback"  # noqa: S608 - constant columns
        " WHERE channel = $1 AND inbound_message_id = $2",
        channel,
        inbound_message_id,
    )


async def find(
    conn: asyncpg.Connection | asyncpg.Pool, tracking_number: str, *, lock: bool = False
) -> asyncpg.Record | None:
    """The item (without message or address); ``lock`` holds it for this transaction."""
    return await conn.fetchrow(
        f"SELECT {_ITEM} FROM feedback WHERE tracking_number = $1"  # noqa: S608 - constant
        + (" FOR UPDATE" if lock else ""),
        tracking_number,
    )


async def add_history(
    conn: asyncpg.Connection,
    tracking_number: str,
    action: str,
    *,
    actor: str,
    agency: str,
    at: datetime,
    detail: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO feedback_history (tracking_number, action, actor, agency, detail, at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        tracking_number,
        action,
        actor,
        agency,
        detail,
        at,
    )


async def history(pool: asyncpg.Pool, tracking_number: str) -> list[asyncpg.Record]:
    return list(
        await pool.fetch(
            "SELECT action, agency, detail, at FROM feedback_history"
            " WHERE tracking_number = $1 ORDER BY id",
            tracking_number,
        )
    )


async def mark_answered(
    conn: asyncpg.Connection,
    columns: NotificationsColumns,
    tracking_number: str,
    answer: str,
    *,
    answered_by: str,
    at: datetime,
) -> None:
    sealed = await columns.feedback.seal(conn, tracking_number, {"answer": answer}, resident=False)
    await conn.execute(
        "UPDATE feedback SET status = 'answered', answer_sealed = $2, answered_by = $3,"
        " answered_at = $4 WHERE tracking_number = $1",
        tracking_number,
        sealed["answer"],
        answered_by,
        at,
    )


async def answer_of(conn: Any, columns: NotificationsColumns, item: Any) -> str | None:
    """The answer of an item read by ``find``, opened ('' once its sender was erased)."""
    if item["status"] != "answered":
        return None
    opened = await columns.feedback.open(conn, item["tracking_number"], item, ("answer",))
    return opened["answer"] or ""


async def route_to(conn: asyncpg.Connection, tracking_number: str, agency: str) -> None:
    """Hand the item to another agency; its due date stays."""
    await conn.execute(
        "UPDATE feedback SET agency = $2 WHERE tracking_number = $1", tracking_number, agency
    )


async def reply_addresses(
    conn: asyncpg.Connection, columns: NotificationsColumns, tracking_numbers: list[str]
) -> dict[str, tuple[str, str]]:
    """{tracking number: (channel, address)} of the items whose sender asked to be answered
    and still can be (personal data), read with one statement."""
    rows = await conn.fetch(
        "SELECT tracking_number, reply_channel, reply_address, reply_address_sealed"
        " FROM feedback WHERE tracking_number = ANY($1::text[]) AND reply_channel IS NOT NULL",
        tracking_numbers,
    )
    found: dict[str, tuple[str, str]] = {}
    for row in rows:
        number = row["tracking_number"]
        address = (await columns.feedback.open(conn, number, row, ("reply_address",)))[
            "reply_address"
        ]
        if address is not None:
            found[number] = (row["reply_channel"], address)
    return found


async def queue(
    pool: asyncpg.Pool, columns: NotificationsColumns, agency: str, status: str, limit: int
) -> list[dict[str, Any]]:
    """An agency's items of one status, oldest deadline first, the message opened. No
    contact details."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT tracking_number, kind, topic, status, channel, message, message_sealed,"
            " participant_id, received_at, due_date, answered_at FROM feedback"
            " WHERE agency = $1 AND status = $2"
            " ORDER BY due_date, received_at, tracking_number LIMIT $3",
            agency,
            status,
            limit,
        )
        items = []
        for row in rows:
            opened = await columns.feedback.open(conn, row["tracking_number"], row, ("message",))
            items.append({**dict(row.items()), "message": opened["message"] or ""})
        return items


async def counts(pool: asyncpg.Pool, today: date) -> list[asyncpg.Record]:
    """Open and overdue items per agency (agencies without open items are absent)."""
    return list(
        await pool.fetch(
            "SELECT agency, count(*) AS open, count(*) FILTER (WHERE due_date < $1) AS overdue"
            " FROM feedback WHERE status = 'received' GROUP BY agency",
            today,
        )
    )
