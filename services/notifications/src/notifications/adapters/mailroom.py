"""``app.ports.Mailroom`` in SQL, on one connection (the unit of work's, in its transaction)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import asyncpg
from jkn_bus import UnitOfWork

from notifications.adapters import contacts, messages
from notifications.adapters.at_rest import NotificationsColumns
from notifications.adapters.erasure import erase_resident
from notifications.app.ports import Mailroom, NewMessage, Reach, StoredContact

__all__ = ["SqlMailroom", "sql_mailroom"]


class SqlMailroom:
    """The contacts and messages tables, personal columns sealed under ``columns``."""

    def __init__(self, conn: asyncpg.Connection, columns: NotificationsColumns) -> None:
        self._conn = conn
        self._columns = columns

    async def remember(
        self, participant_id: str, resident: Reach, *, proposed_again: bool = False
    ) -> bool:
        return await contacts.remember(
            self._conn, self._columns, participant_id, resident, proposed_again=proposed_again
        )

    async def ensure_contact(
        self, participant_id: str, *, read: bool = False
    ) -> StoredContact | None:
        return await contacts.ensure(self._conn, self._columns, participant_id, read=read)

    async def queue(self, message: NewMessage) -> bool:
        return await messages.insert(self._conn, self._columns, message)

    async def mark_leaving(self, participant_id: str, since: datetime | None) -> None:
        await contacts.mark_leaving(self._conn, participant_id, since)

    async def erase(self, participant_id: str) -> None:
        await erase_resident(self._conn, participant_id)


def sql_mailroom(columns: NotificationsColumns) -> Callable[[UnitOfWork], Mailroom]:
    """The handlers' ``mailroom``: a :class:`SqlMailroom` on each unit of work's connection."""

    def mailroom(uow: UnitOfWork) -> Mailroom:
        return SqlMailroom(uow.conn, columns)

    return mailroom
