"""``app.ports.FeedbackBook`` in SQL, on one unit of work's connection: the feedback tables
(``adapters.feedback``) and the replies queued in the messages table
(``adapters.messages``), personal columns sealed under ``columns``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import asyncpg
from jkn_bus import UnitOfWork

from notifications.adapters import feedback, messages
from notifications.adapters.at_rest import NotificationsColumns
from notifications.app.ports import FeedbackBook, FeedbackItem, NewItem, NewMessage

__all__ = ["SqlFeedbackBook", "sql_feedback_book"]


def _item(row: asyncpg.Record | None) -> FeedbackItem | None:
    if row is None:
        return None
    return FeedbackItem(
        tracking_number=row["tracking_number"],
        kind=row["kind"],
        agency=row["agency"],
        status=row["status"],
        due_date=row["due_date"],
        reply_channel=row["reply_channel"],
    )


class SqlFeedbackBook:
    """The items of the feedback channel, inside the caller's transaction."""

    def __init__(self, conn: asyncpg.Connection, columns: NotificationsColumns) -> None:
        self._conn = conn
        self._columns = columns

    async def next_number(self) -> int:
        return await feedback.next_number(self._conn)

    async def insert(self, item: NewItem) -> bool:
        return await feedback.insert(self._conn, self._columns, item)

    async def find_inbound(self, channel: str, inbound_message_id: str) -> FeedbackItem | None:
        return _item(await feedback.find_inbound(self._conn, channel, inbound_message_id))

    async def find(self, tracking_number: str, *, lock: bool = False) -> FeedbackItem | None:
        return _item(await feedback.find(self._conn, tracking_number, lock=lock))

    async def add_history(
        self,
        tracking_number: str,
        action: str,
        *,
        actor: str,
        agency: str,
        at: datetime,
        detail: str | None = None,
    ) -> None:
        await feedback.add_history(
            self._conn, tracking_number, action, actor=actor, agency=agency, at=at, detail=detail
        )

    async def mark_answered(
        self, tracking_number: str, answer: str, *, answered_by: str, at: datetime
    ) -> None:
        await feedback.mark_answered(
            self._conn, self._columns, tracking_number, answer, answered_by=answered_by, at=at
        )

    async def route_to(self, tracking_number: str, agency: str) -> None:
        await feedback.route_to(self._conn, tracking_number, agency)

    async def queue_reply(self, message: NewMessage) -> bool:
        return await messages.insert(self._conn, self._columns, message)


def sql_feedback_book(columns: NotificationsColumns) -> Callable[[UnitOfWork], FeedbackBook]:
    """The desk's ``book``: a :class:`SqlFeedbackBook` on each unit of work's connection."""

    def book(uow: UnitOfWork) -> FeedbackBook:
        return SqlFeedbackBook(uow.conn, columns)

    return book
