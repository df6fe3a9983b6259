"""A unit of work: one Postgres transaction in which state changes and the events that
describe them are written together."""

from __future__ import annotations

import uuid
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_contracts import EventBase

from jkn_bus import outbox

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """Handed to request and event handlers; ``conn`` is inside an open transaction."""

    def __init__(
        self,
        conn: asyncpg.Connection | PoolConnectionProxy[Any],
        *,
        topic_prefix: str,
        cause: EventBase | None = None,
    ) -> None:
        # a pooled connection's proxy forwards every call to its Connection (asyncpg makes
        # isinstance agree): handlers are typed against the one Connection type
        self.conn = cast(asyncpg.Connection, conn)
        self.cause = cause
        self._topic_prefix = topic_prefix
        self.emitted: list[EventBase] = []

    @property
    def correlation_id(self) -> uuid.UUID:
        """The journey of the event being handled, or a new one for a first cause."""
        return self.cause.correlation_id if self.cause is not None else uuid.uuid4()

    @property
    def causation_id(self) -> uuid.UUID | None:
        return self.cause.event_id if self.cause is not None else None

    async def emit(self, event: EventBase) -> None:
        """Write ``event`` to the outbox; it is published only if this transaction commits."""
        await outbox.append(self.conn, event, topic_prefix=self._topic_prefix)
        self.emitted.append(event)
