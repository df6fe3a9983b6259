"""Sending pending messages through their channels, then stating it (NotificationSent).

In rounds of up to ``batch`` messages, one transaction each (docs/pitfalls.md#batching): a
round locks the contact rows of participants with due messages (``SKIP LOCKED``: rows
another dispatcher, in this process or another replica, holds are left to it; it never
waits, so two cannot deadlock), then claims their due messages and due feedback replies,
oldest created first (``FOR UPDATE SKIP LOCKED``: two dispatchers never hold the same
message). So one transaction at a time sends and emits for a participant, as the outbox
relay's ordering needs, and a participant's messages of a round go out in created order.
It sends each (a channel taking many at once, as the dev sink does, gets them in one
call), marks the sent ones with one UPDATE, records each failure, emits one
NotificationSent per message (the unit of work writes them with one INSERT) and commits
once.

A reply of the feedback channel (a row with a tracking number and no participant) takes
the same path to the sender's own address, but states no NotificationSent: that event is
about a participant, and the item's row and history are this reply's record.

A crash after the channel accepted a message but before the commit sends it again on
restart: channels get the message id to drop such a resend (the dev sink does). A failed
message fails alone: it is retried with growing delays; after ``max_attempts``, or at once
for a permanent failure, it is 'failed' and NotificationSent says so. An exception of the
database fails the whole round: rolled back, every message of it sent again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from asyncpg.pool import PoolConnectionProxy
from jkn_bus import key_memo
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import PARTICIPANT_ATTR, context_from_headers, tracer
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import NotificationSent
from jkn_contracts.events import NotificationSentPayload
from opentelemetry import trace

from notifications.app.ports import ChannelError, Delivery, DueMessage, MessageChannel, Outbox
from notifications.app.sending import send_all

__all__ = ["Dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher:
    """``workers`` tasks sending due messages; woken by NOTIFY, polling as a fallback."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        channels: Mapping[str, MessageChannel],
        outbox: Callable[[UnitOfWork], Outbox],
        *,
        wake_channel: str,
        workers: int = 2,
        batch: int = 50,
        max_attempts: int = 5,
        backoff_s: Sequence[float] = (2.0, 10.0, 60.0, 300.0),
        poll_interval_s: float = 1.0,
    ) -> None:
        """``outbox``: the pending messages on a unit of work's connection;
        ``wake_channel``: the NOTIFY channel a committed message is announced on;
        ``batch``: the most messages a round (one transaction) sends."""
        self._runtime = runtime
        self._outbox = outbox
        self._wake_channel = wake_channel
        self._channels = channels
        self._workers = workers
        self._batch = batch
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._listener: PoolConnectionProxy[Any] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._listener = await self._runtime.pool.acquire()
        await self._listener.add_listener(self._wake_channel, self._on_notify)
        self._tasks = [
            asyncio.create_task(self._work(), name=f"notifications-dispatcher-{n}")
            for n in range(self._workers)
        ]

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(self._wake_channel, self._on_notify)
            await self._runtime.pool.release(self._listener)
            self._listener = None

    async def _work(self) -> None:
        while True:
            try:
                if await self.dispatch_batch():
                    continue
            except Exception as exc:  # a sender never dies (see below)
                # Any class, not only the database's: after a Postgres restart asyncpg
                # also raises InternalClientError, and a worker that ended on it left
                # every later message unsent while the service looked healthy. The
                # class only: a database error's text may quote row values.
                log.warning("dispatcher: %s; retrying", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            self._wake.clear()

    async def dispatch_batch(self) -> int:
        """Send up to ``batch`` due messages in one transaction; how many were claimed
        (0: none is due)."""
        async with self._runtime.unit_of_work() as uow:
            outbox = self._outbox(uow)
            due = await outbox.claim_due(self._batch)
            if not due:
                return 0
            key_memo.expect(m.participant_id for m in due)  # one read of the round's keys
            addresses = await outbox.addresses(due)
            spans = {m.message_id: _span(m) for m in due}
            try:
                deliveries = [
                    Delivery(
                        m.message_id, m.channel, addresses[m.message_id], *await outbox.texts(m),
                        participant_id=m.participant_id, tracking_number=m.tracking_number,
                    )
                    for m in due
                ]  # fmt: skip
                failures = await send_all(self._channels, deliveries, spans)
                await outbox.mark_sent([m for m in due if m.message_id not in failures])
                for m in due:
                    with trace.use_span(spans[m.message_id]):
                        await self._state(uow, outbox, m, failures.get(m.message_id))
            finally:
                for span in spans.values():
                    span.end()
        return len(due)

    async def _state(
        self, uow: UnitOfWork, outbox: Outbox, message: DueMessage, failure: Exception | None
    ) -> None:
        """Record a failure (marked sent already otherwise), then emit NotificationSent."""
        if failure is None:
            status = "sent"
        elif await self._failed(outbox, message, failure):
            status = "failed"
        else:
            return  # retried later; nothing to state yet
        if message.tracking_number is not None:
            return  # a feedback reply: no participant to state it about
        await uow.emit(
            NotificationSent(
                participant_id=message.participant_id,
                correlation_id=message.correlation_id,
                causation_id=message.about_event_id,
                payload=NotificationSentPayload(
                    message_id=message.message_id,
                    channel=message.channel,
                    template=message.template,
                    about_event_type=message.about_event_type,
                    status=status,
                ),
            )
        )

    async def _failed(self, outbox: Outbox, message: DueMessage, exc: Exception) -> bool:
        """Record the failure; True when the message is given up ('failed')."""
        # Our own ChannelError texts are safe; anything else is reduced to its type.
        reason = str(exc) if isinstance(exc, ChannelError) else type(exc).__name__
        attempt = message.attempts + 1
        if (isinstance(exc, ChannelError) and exc.permanent) or attempt >= self._max_attempts:
            await outbox.mark_failed(message, reason)
            log.warning(
                "message failed for good after %d attempt(s): %s",
                attempt,
                reason,
                extra={"participant_id": message.participant_id}
                if message.tracking_number is None
                else {"tracking_number": message.tracking_number},
            )
            return True
        delay = self._backoff_s[min(attempt - 1, len(self._backoff_s) - 1)]
        await outbox.retry_later(message, reason, delay)
        return False


def _span(message: DueMessage) -> trace.Span:
    """The message's span, continuing the trace of the event it answers (saved with its
    row); its own work in the round runs in it (``trace.use_span``)."""
    about = (
        {PARTICIPANT_ATTR: message.participant_id}
        if message.tracking_number is None
        else {"jkn.feedback.tracking_number": message.tracking_number}
    )
    return tracer("notifications").start_span(
        f"notify {message.template}",
        context=context_from_headers(message.trace_headers),
        attributes={**about, "jkn.channel": message.channel},
    )
