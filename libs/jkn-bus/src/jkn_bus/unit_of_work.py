"""A unit of work: one Postgres transaction in which state changes and the events that
describe them are written together.

Who acted. A unit of work opened for an authenticated caller's command carries the
caller's ``actor`` (``actor_of(caller)``): every event written in it that names no actor
of its own is stamped with it, so a fact caused by a person's or a system's command says
who acted. A unit of work opened by the consumer for an event it handles carries none:
such facts are caused by that event (``causation_id``), not by anyone's command, and a
service's own timers act for no one either.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_contracts import Actor, EventBase

from jkn_bus import outbox
from jkn_bus.auth import Principal

__all__ = ["UNKNOWN_AGENCY", "UnitOfWork", "actor_of"]

UNKNOWN_AGENCY = "unknown"
_AGENCY = re.compile(r"[a-z][a-z0-9-]{0,39}")


def actor_of(caller: Principal) -> Actor:
    """The actor an authenticated caller's command stamps on the facts it causes: their
    pseudonymous actor id, their agency (as their token names it; ``unknown`` when it names
    none a contract accepts) and whether a person or a system acted."""
    agency = caller.agency.strip().lower()
    return Actor(
        id=caller.actor,
        agency=agency if _AGENCY.fullmatch(agency) else UNKNOWN_AGENCY,
        kind="system" if caller.is_system else "person",
    )


class UnitOfWork:
    """Handed to request and event handlers; ``conn`` is inside an open transaction."""

    def __init__(
        self,
        conn: asyncpg.Connection | PoolConnectionProxy[Any],
        *,
        topic_prefix: str,
        cause: EventBase | None = None,
        actor: Actor | None = None,
    ) -> None:
        # a pooled connection's proxy forwards every call to its Connection (asyncpg makes
        # isinstance agree): handlers are typed against the one Connection type
        self.conn = cast(asyncpg.Connection, conn)
        self.cause = cause
        self.actor = actor
        self._topic_prefix = topic_prefix
        self.emitted: list[EventBase] = []

    @property
    def correlation_id(self) -> uuid.UUID:
        """The journey of the event being handled, or a new one for a first cause."""
        return self.cause.correlation_id if self.cause is not None else uuid.uuid4()

    @property
    def causation_id(self) -> uuid.UUID | None:
        return self.cause.event_id if self.cause is not None else None

    def stamp(self, event: EventBase) -> EventBase:
        """``event`` as this unit of work writes it: an event naming no actor gets this unit
        of work's (if any); one that names its own (read from a row that recorded who
        acted) keeps it."""
        if event.actor is None and self.actor is not None:
            return event.model_copy(update={"actor": self.actor})
        return event

    async def emit(self, event: EventBase) -> None:
        """Write ``event`` (``stamp``ed) to the outbox; it is published only if this
        transaction commits."""
        event = self.stamp(event)
        await outbox.append(self.conn, event, topic_prefix=self._topic_prefix)
        self.emitted.append(event)
