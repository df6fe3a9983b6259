"""``app.ports.Outbox`` in SQL, on one dispatcher transaction's connection: the messages
table (``adapters.messages``) and the addresses they go to (``adapters.contacts`` for a
participant, ``adapters.feedback`` for a feedback reply's sender)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import asyncpg
from jkn_bus import UnitOfWork

from notifications.adapters import contacts, feedback, messages
from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import DueMessage, Outbox

__all__ = ["SqlOutbox", "sql_outbox"]


class SqlOutbox:
    """The claimed rows are kept here (by message id): their sealed texts never leave this
    adapter, the dispatcher sees a :class:`DueMessage`."""

    def __init__(self, conn: asyncpg.Connection, columns: NotificationsColumns) -> None:
        self._conn = conn
        self._columns = columns
        self._rows: dict[uuid.UUID, asyncpg.Record] = {}

    async def claim_due(self) -> DueMessage | None:
        row = await messages.claim_due(self._conn)
        if row is None:
            return None
        self._rows[row["message_id"]] = row
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

    async def lock_address(self, message: DueMessage) -> str | None:
        if message.tracking_number is not None:
            return (
                await feedback.reply_address(self._conn, self._columns, message.tracking_number)
            )[1]
        assert message.participant_id is not None  # a message is about one or the other
        contact = await contacts.lock(self._conn, self._columns, message.participant_id)
        if contact is None:
            return None
        return contact.email if message.channel == "email" else contact.phone

    async def texts(self, message: DueMessage) -> tuple[str, str]:
        return await messages.texts(self._conn, self._columns, self._rows[message.message_id])

    async def mark_sent(self, message: DueMessage) -> None:
        masked = await self._masked(message)
        await messages.mark_sent(self._conn, message.message_id, masked)

    async def mark_failed(self, message: DueMessage, reason: str) -> None:
        masked = await self._masked(message)
        await messages.mark_failed(self._conn, message.message_id, reason, masked)

    async def retry_later(self, message: DueMessage, reason: str, delay_s: float) -> None:
        await messages.retry_later(self._conn, message.message_id, reason, delay_s)

    async def _masked(self, message: DueMessage) -> bytes | None:
        return await messages.masked_body(self._conn, self._columns, self._rows[message.message_id])


def sql_outbox(columns: NotificationsColumns) -> Callable[[UnitOfWork], Outbox]:
    """The dispatcher's ``outbox``: a :class:`SqlOutbox` on each unit of work's connection."""

    def outbox(uow: UnitOfWork) -> Outbox:
        return SqlOutbox(uow.conn, columns)

    return outbox
