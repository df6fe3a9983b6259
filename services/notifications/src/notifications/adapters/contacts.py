"""The address book: name, sex, phone and e-mail of each resident, keyed by participant id,
sealed under the resident's key (``adapters.at_rest``; the clear columns NULL)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import Reach, StoredContact

__all__ = [
    "StoredContact",
    "ensure",
    "get",
    "lock",
    "lock_due",
    "mark_leaving",
    "opened_address",
    "remember",
]

_FIELDS = ("name", "sex", "phone", "email")
_SELECT = ", ".join(f"{f}, {f}_sealed" for f in _FIELDS)
_ENSURE = "INSERT INTO contacts (participant_id) VALUES ($1) ON CONFLICT DO NOTHING"


async def remember(
    conn: asyncpg.Connection,
    columns: NotificationsColumns,
    participant_id: str,
    resident: Reach,
    *,
    proposed_again: bool = False,
) -> bool:
    """Store (or refresh) how to reach this resident, and with ``proposed_again`` clear
    their leaving; whether they are leaving afterwards (the row as the statement left it)."""
    sealed = await columns.contacts.seal(
        conn, participant_id, {f: getattr(resident, f) for f in _FIELDS}, resident=True
    )
    leaving = await conn.fetchval(
        "INSERT INTO contacts (participant_id, name_sealed, sex_sealed, phone_sealed,"
        " email_sealed) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (participant_id) DO UPDATE SET"
        " name = NULL, sex = NULL, phone = NULL, email = NULL, name_sealed = $2,"
        " sex_sealed = $3, phone_sealed = $4, email_sealed = $5, updated_at = now(),"
        " leaving_since = CASE WHEN $6 THEN NULL ELSE contacts.leaving_since END"
        " RETURNING leaving_since IS NOT NULL",
        participant_id,
        *(sealed[f] for f in _FIELDS),
        proposed_again,
    )
    return bool(leaving)


async def ensure(
    conn: asyncpg.Connection,
    columns: NotificationsColumns,
    participant_id: str,
    *,
    read: bool = False,
) -> StoredContact | None:
    """Make sure the participant has a row (the lock target of the dispatcher); with
    ``read``, the contact in clear from the same statement (None when the row is new: a
    statement does not see its own insert, and a new row knows nothing of them)."""
    if not read:
        await conn.execute(_ENSURE, participant_id)
        return None
    return await _read(conn, columns, participant_id, first=f"WITH added AS ({_ENSURE}) ")


async def _read(
    conn: asyncpg.Connection,
    columns: NotificationsColumns,
    participant_id: str,
    *,
    lock: bool = False,
    first: str = "",
) -> StoredContact | None:
    row = await conn.fetchrow(
        f"{first}SELECT {_SELECT}, leaving_since FROM contacts WHERE participant_id = $1"  # noqa: S608 - constants
        + (" FOR UPDATE" if lock else ""),
        participant_id,
    )
    if row is None:
        return None
    opened = await columns.contacts.open(conn, participant_id, row, _FIELDS)
    return StoredContact(**opened, leaving=row["leaving_since"] is not None)


async def get(
    conn: asyncpg.Connection, columns: NotificationsColumns, participant_id: str
) -> StoredContact | None:
    """The contact in clear (every field None once the resident is erased)."""
    return await _read(conn, columns, participant_id, lock=False)


async def lock(
    conn: asyncpg.Connection, columns: NotificationsColumns, participant_id: str
) -> StoredContact | None:
    """Lock the participant's row for this transaction and return the contact."""
    return await _read(conn, columns, participant_id, lock=True)


async def lock_due(conn: asyncpg.Connection, limit: int) -> dict[str, asyncpg.Record]:
    """Lock the contact rows of up to ``limit`` participants with due messages, those whose
    oldest due message is oldest first (participant id among equals), skipping rows another
    transaction holds: {participant id: row, still sealed (``opened_address``)}.

    A dispatcher claims a participant's messages only while it holds their row, so one
    transaction at a time sends and emits for them (the relay's ordering rule). SKIP LOCKED:
    a dispatcher never waits for a row, so two cannot deadlock. NO KEY UPDATE: the lock
    excludes other dispatchers and the erasure's UPDATE, not the KEY SHARE a new message's
    foreign key takes (a handler queueing one for this participant does not wait for the
    round)."""
    rows = await conn.fetch(
        f"SELECT participant_id, {_SELECT} FROM contacts"  # noqa: S608 - constant
        " JOIN (SELECT participant_id, min(next_attempt_at) AS due FROM messages"
        " WHERE status = 'pending' AND next_attempt_at <= now()"
        " AND participant_id IS NOT NULL GROUP BY participant_id) AS d USING (participant_id)"
        " ORDER BY d.due, participant_id LIMIT $1 FOR NO KEY UPDATE OF contacts SKIP LOCKED",
        limit,
    )
    return {row["participant_id"]: row for row in rows}


async def opened_address(
    conn: asyncpg.Connection, columns: NotificationsColumns, row: asyncpg.Record, field: str
) -> str | None:
    """One field (``phone``, ``email``) of a ``lock_due`` row, opened (None once erased)."""
    opened = await columns.contacts.open(conn, row["participant_id"], row, (field,))
    return opened[field]


async def mark_leaving(
    conn: asyncpg.Connection, participant_id: str, since: datetime | None
) -> None:
    """Note (``since``) or clear (None) that Dinas Sosial asked this resident to leave."""
    await conn.execute(
        "INSERT INTO contacts (participant_id, leaving_since) VALUES ($1, $2)"
        " ON CONFLICT (participant_id) DO UPDATE SET leaving_since = $2",
        participant_id,
        since,
    )
