"""The audit trail's only handler: every event of every topic joins the chain.

It runs inside the consumer's inbox transaction, so an event is logged exactly once however
often Kafka delivers it; the inbox row written in this same transaction says where the
event was read (topic, partition, offset: the unit of work's ``position``).

The entry is drafted here, in its participant's chain (``domain.chains``), and appended with
the rest of its batch (``UnitOfWork.defer``): one statement taking the locks of the chains
the batch touches, one reading their heads and one INSERT per consumed batch, just before it
commits. An event whose handling failed leaves no entry (its savepoint's items
are dropped); a batch that does not commit leaves none of its entries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg
from jkn_bus import HandlerTable, UnitOfWork
from jkn_bus.batch import defers_all_writes
from jkn_contracts import EVENT_TYPES, EventBase, utcnow

from jkn_audit.app.ports import Appender
from jkn_audit.domain.entries import AuditEntry, describe
from jkn_audit.metrics import ENTRIES

__all__ = ["bind_handlers", "on_event"]

Flush = Callable[[asyncpg.Connection, list[Any]], Any]


async def on_event(
    uow: UnitOfWork,
    event: EventBase,
    *,
    flush: Flush,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Draft ``event``'s entry and have ``flush`` chain it after its chain's head."""
    if uow.position is not None:
        topic, partition, offset = uow.position
    else:
        read_at = await uow.conn.fetchrow(
            'SELECT topic, partition, "offset" FROM inbox WHERE event_id = $1', event.event_id
        )
        if read_at is None:  # not through the consumer (a test, a replay tool): say so
            topic, partition, offset = "", -1, -1
        else:
            topic, partition, offset = read_at["topic"], read_at["partition"], read_at["offset"]
    entry = describe(event, topic=topic, partition=partition, offset=offset, recorded_at=clock())
    await uow.defer(flush, entry)


async def _append_and_count(append: Appender, conn: asyncpg.Connection, drafts: list[Any]) -> None:
    entries: list[AuditEntry] = await append(conn, drafts)
    for entry in entries:
        ENTRIES.labels(entry.producer).inc()


def bind_handlers(append: Appender) -> HandlerTable:
    """The same handler for every event class of the contracts, appending with ``append``
    (one flusher for them all, so that a batch's entries of every type go in one call)."""
    flush = functools.partial(_append_and_count, append)
    # it writes nothing but the deferred entry: in a batch, no savepoint per event
    handler = defers_all_writes(functools.partial(on_event, flush=flush))
    return dict.fromkeys(EVENT_TYPES.values(), handler)
