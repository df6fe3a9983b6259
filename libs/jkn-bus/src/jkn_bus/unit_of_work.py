"""A unit of work: one Postgres transaction in which state changes and the events that
describe them are written together.

Who acted. A unit of work opened for an authenticated caller's command carries the
caller's ``actor`` (``actor_of(caller)``): every event written in it that names no actor
of its own is stamped with it, so a fact caused by a person's or a system's command says
who acted. A unit of work opened by the consumer for an event it handles carries none:
such facts are caused by that event (``causation_id``), not by anyone's command, and a
service's own timers act for no one either.

An agency system's submission (a record on its inbound topic, ``jkn_contracts.topics.
INBOUND``) is a command too: the consumer opens its unit of work with the submitting
system's actor (``system_actor``: the pseudonymous id of its Kafka principal, its agency,
kind ``system``), the submission as its cause (facts it leads to name the record's
``event_id`` as ``causation_id``) and the inbound topic's spec (``inbound``: who wrote it).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_contracts import Actor, EventBase, InboundSpec, Submission

from jkn_bus import outbox
from jkn_bus.auth import Principal, actor_id

__all__ = [
    "KAFKA_ISSUER",
    "UNKNOWN_AGENCY",
    "Deferred",
    "Flusher",
    "UnitOfWork",
    "actor_of",
    "flush_deferred",
    "system_actor",
]

# The "issuer" of Kafka principals in actor ids: the broker's SCRAM users are not tokens of
# the identity provider, so their actor ids are HMACs of this and ``User:<name>``.
KAFKA_ISSUER = "urn:jkn-daerah:kafka"

UNKNOWN_AGENCY = "unknown"
_AGENCY = re.compile(r"[a-z][a-z0-9-]{0,39}")
_E = TypeVar("_E", bound=EventBase)

# Writes many rows of one kind at once on the transaction's connection (an outbox's rows,
# an audit chain's entries): what ``UnitOfWork.defer`` hands over.
Flusher = Callable[[asyncpg.Connection, list[Any]], Awaitable[None]]
Deferred = list[tuple[Flusher, Any]]


async def flush_deferred(conn: asyncpg.Connection, deferred: Deferred) -> None:
    """Write the deferred rows (``UnitOfWork.defer``) kind by kind: one ``Flusher`` call
    per kind, its rows in the order they were deferred."""
    by_flusher: dict[Flusher, list[Any]] = {}
    for flush, item in deferred:
        by_flusher.setdefault(flush, []).append(item)
    for flush, items in by_flusher.items():
        await flush(conn, items)


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


def system_actor(spec: InboundSpec, key: str) -> Actor:
    """The actor of an agency system submitting on its inbound topic: the pseudonymous id of
    its Kafka principal (``actor_id(KAFKA_ISSUER, "User:<writer>", key)``: whoever holds
    the city's pseudonym key and the catalogue can tell which system it is), the agency it
    acts for, and kind ``system``. The topic, not the record, says who wrote it."""
    return Actor(
        id=actor_id(KAFKA_ISSUER, f"User:{spec.writer}", key), agency=spec.agency, kind="system"
    )


class UnitOfWork:
    """Handed to request and event handlers; ``conn`` is inside an open transaction."""

    def __init__(
        self,
        conn: asyncpg.Connection | PoolConnectionProxy[Any],
        *,
        topic_prefix: str,
        cause: EventBase | Submission | None = None,
        actor: Actor | None = None,
        inbound: InboundSpec | None = None,
        position: tuple[str, int, int] | None = None,
        deferred: Deferred | None = None,
    ) -> None:
        """``position``: where the event being handled was read (topic, partition, offset),
        as its inbox row says. ``deferred``: a list the consumer of a batch flushes before
        its transaction commits (``defer``); None writes each row at once."""
        # a pooled connection's proxy forwards every call to its Connection (asyncpg makes
        # isinstance agree): handlers are typed against the one Connection type
        self.conn = cast(asyncpg.Connection, conn)
        self.cause = cause
        self.actor = actor
        self.inbound = inbound  # the inbound topic a submission being handled arrived on
        self.position = position
        self.deferred = deferred
        self._topic_prefix = topic_prefix
        self.emitted: list[EventBase] = []
        self._journey: uuid.UUID | None = None

    @property
    def correlation_id(self) -> uuid.UUID:
        """The journey of the event being handled, or, for a first cause (a command, a
        submission), a new one: drawn once, so every fact of this unit of work joins it."""
        if isinstance(self.cause, EventBase):
            return self.cause.correlation_id
        if self._journey is None:
            self._journey = uuid.uuid4()
        return self._journey

    @property
    def causation_id(self) -> uuid.UUID | None:
        return self.cause.event_id if self.cause is not None else None

    def new_event(self, event_type: type[_E], **fields: Any) -> _E:
        """An ``event_type`` caused by this unit of work's cause: in its journey
        (``correlation_id``), naming the cause (``causation_id``); ``fields`` are the rest
        (``participant_id``, ``payload``, ...). Written once so a fact's links are never
        copied by hand, nor forgotten."""
        return event_type(
            correlation_id=self.correlation_id, causation_id=self.causation_id, **fields
        )

    def stamp(self, event: EventBase) -> EventBase:
        """``event`` as this unit of work writes it: an event naming no actor gets this unit
        of work's (if any); one that names its own (read from a row that recorded who
        acted) keeps it."""
        if event.actor is None and self.actor is not None:
            return event.model_copy(update={"actor": self.actor})
        return event

    async def defer(self, flush: Flusher, item: object) -> None:
        """Have ``flush`` write ``item`` in this transaction: at once, or, in a consumed
        batch, with the batch's other items of ``flush`` in one statement just before the
        batch commits (in the order they were deferred). Nothing of an event whose handler
        failed is flushed: its items are dropped with its savepoint. (So a handler must not
        emit inside a savepoint of its own that it may roll back: the row would stay.)"""
        if self.deferred is None:
            await flush(self.conn, [item])
        else:
            self.deferred.append((flush, item))

    async def emit(self, event: EventBase, *, topic: str | None = None) -> None:
        """Write ``event`` (``stamp``ed) to the outbox; it is published only if this
        transaction commits. ``topic``: an answer's reply topic (``outbox.prepare``)."""
        event = self.stamp(event)
        if not self.conn.is_in_transaction():
            raise RuntimeError("emit must run inside the state change's transaction")
        row = outbox.prepare(event, topic_prefix=self._topic_prefix, topic=topic)
        await self.defer(outbox.write_rows, row)
        self.emitted.append(event)
