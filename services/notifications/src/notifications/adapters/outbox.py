"""``app.ports.Outbox`` in SQL, on one dispatcher transaction's connection: the messages
table (``adapters.messages``) and the addresses they go to (``adapters.contacts`` for a
participant, ``adapters.feedback`` for a feedback reply's sender)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence

import asyncpg
from jkn_bus import UnitOfWork

from notifications.adapters import contacts, feedback, messages
from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import DueMessage, Outbox

__all__ = ["SqlOutbox", "sql_outbox"]


class SqlOutbox:
    """The claimed rows are kept here (by message id), with the locked contact rows (by
    participant): their sealed texts and addresses never leave this adapter, the
    dispatcher sees a :class:`DueMessage` and, from ``addresses``, the opened address."""

    def __init__(self, conn: asyncpg.Connection, columns: NotificationsColumns) -> None:
        self._conn = conn
        self._columns = columns
        self._rows: dict[uuid.UUID, asyncpg.Record] = {}
        self._contacts: dict[str, asyncpg.Record] = {}

    async def claim_due(self, limit: int) -> list[DueMessage]:
        self._contacts = await contacts.lock_due(self._conn, limit)
        rows = await messages.claim_due(self._conn, list(self._contacts), limit)
        self._rows = {row["message_id"]: row for row in rows}
        return [_due(row) for row in rows]

    async def addresses(self, due: Sequence[DueMessage]) -> dict[uuid.UUID, str | None]:
        numbers = [m.tracking_number for m in due if m.tracking_number is not None]
        replies = (
            await feedback.reply_addresses(self._conn, self._columns, numbers) if numbers else {}
        )
        opened: dict[tuple[str, str], str | None] = {}  # (participant, field): a field once
        found: dict[uuid.UUID, str | None] = {}
        for m in due:
            if m.tracking_number is not None:
                found[m.message_id] = replies.get(m.tracking_number, (None, None))[1]
                continue
            assert m.participant_id is not None  # a message is about one or the other
            field = "email" if m.channel == "email" else "phone"
            if (m.participant_id, field) not in opened:
                opened[m.participant_id, field] = await contacts.opened_address(
                    self._conn, self._columns, self._contacts[m.participant_id], field
                )
            found[m.message_id] = opened[m.participant_id, field]
        return found

    async def texts(self, message: DueMessage) -> tuple[str, str]:
        return await messages.texts(self._conn, self._columns, self._rows[message.message_id])

    async def mark_sent(self, sent: Sequence[DueMessage]) -> None:
        await messages.mark_sent(self._conn, [(m.message_id, await self._masked(m)) for m in sent])

    async def mark_failed(self, message: DueMessage, reason: str) -> None:
        masked = await self._masked(message)
        await messages.mark_failed(self._conn, message.message_id, reason, masked)

    async def retry_later(self, message: DueMessage, reason: str, delay_s: float) -> None:
        await messages.retry_later(self._conn, message.message_id, reason, delay_s)

    async def _masked(self, message: DueMessage) -> bytes | None:
        return await messages.masked_body(self._conn, self._columns, self._rows[message.message_id])


def _due(row: asyncpg.Record) -> DueMessage:
    return DueMessage(
        message_id=row["message_id"],
        participant_id=row["participant_id"],
        tracking_number=row["tracking_number"],
        correlation_id=row["correlation_id"],
        about_event_id=row["about_event_id"],
        about_event_type=row["about_event_type"],
        template=row["template"],
        channel=row["channel"],
        attempts=row["attempts"],
        trace_headers=json.loads(row["trace_headers"]),
    )


def sql_outbox(columns: NotificationsColumns) -> Callable[[UnitOfWork], Outbox]:
    """The dispatcher's ``outbox``: a :class:`SqlOutbox` on each unit of work's connection."""

    def outbox(uow: UnitOfWork) -> Outbox:
        return SqlOutbox(uow.conn, columns)

    return outbox
