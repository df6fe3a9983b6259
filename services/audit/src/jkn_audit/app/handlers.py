"""The audit trail's only handler: every event of every topic joins the chain.

It runs inside the consumer's inbox transaction, so an event is logged exactly once however
often Kafka delivers it; the inbox row written in this same transaction says where the
event was read (topic, partition, offset).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from jkn_bus import HandlerTable, UnitOfWork
from jkn_contracts import EVENT_TYPES, EventBase, utcnow

from jkn_audit.app.ports import Appender
from jkn_audit.domain.entries import describe
from jkn_audit.metrics import ENTRIES

__all__ = ["bind_handlers", "on_event"]


async def on_event(
    uow: UnitOfWork,
    event: EventBase,
    *,
    append: Appender,
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """Append ``event`` to the audit log, chained after the current head."""
    read_at = await uow.conn.fetchrow(
        'SELECT topic, partition, "offset" FROM inbox WHERE event_id = $1', event.event_id
    )
    if read_at is None:  # not through the consumer (a test, a replay tool): say so
        topic, partition, offset = "", -1, -1
    else:
        topic, partition, offset = read_at["topic"], read_at["partition"], read_at["offset"]
    entry = describe(event, topic=topic, partition=partition, offset=offset, recorded_at=clock())
    await append(uow.conn, entry)
    ENTRIES.labels(entry.producer).inc()


def bind_handlers(append: Appender) -> HandlerTable:
    """The same handler for every event class of the contracts, appending with ``append``."""
    return dict.fromkeys(EVENT_TYPES.values(), functools.partial(on_event, append=append))
