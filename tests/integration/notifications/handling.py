"""Queueing residents' messages as notifications' consumer does, for the tests of what
happens to them next (dispatch rounds, ordering, leaving residents)."""

from __future__ import annotations

from collections.abc import Sequence

from jkn_bus import UnitOfWork
from jkn_bus.personal_data import LocalKeks
from jkn_bus.service import ServiceRuntime
from jkn_contracts import EventBase
from notifications.adapters.at_rest import columns_for
from notifications.adapters.mailroom import sql_mailroom
from notifications.app.handlers import Routing, handlers
from support.sealed import SEALER

MAILROOM = sql_mailroom(columns_for(LocalKeks.from_config(), SEALER.keyring))
HANDLERS = handlers(Routing("dev_sink"), SEALER, MAILROOM)


async def decide_together(runtime: ServiceRuntime, events: Sequence[EventBase]) -> None:
    """The handlers queue the events' messages in one transaction (as a consumed batch)."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        for event in events:
            uow = UnitOfWork(conn, topic_prefix=runtime.settings.jkn_topic_prefix, cause=event)
            await HANDLERS[type(event)](uow, event)


async def decide_each(runtime: ServiceRuntime, *events: EventBase) -> None:
    """Each event in its own transaction, in the order given (as the consumer applies them)."""
    for event in events:
        await decide_together(runtime, [event])
