"""Sending pending messages through their channels, then stating it (NotificationSent).

One message per transaction: claim it (``FOR UPDATE SKIP LOCKED``: two dispatchers, in
one process or in two replicas, never hold the same message), lock the participant's
contact row (one transaction at a time emits for a participant, as the outbox relay's
ordering needs), send, then mark it and emit NotificationSent in that same transaction.

A reply of the feedback channel (a row with a tracking number and no participant) takes
the same path to the sender's own address, but states no NotificationSent: that event is
about a participant, and the item's row and history are this reply's record.

A crash after the channel accepted the message but before the commit sends it again on
restart: channels get the message id to drop such a resend (the dev sink does). Failures
are retried with growing delays; after ``max_attempts``, or at once for a permanent
failure, the message is 'failed' and NotificationSent says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from asyncpg.pool import PoolConnectionProxy
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import PARTICIPANT_ATTR, context_from_headers, tracer
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import NotificationSent
from jkn_contracts.events import NotificationSentPayload

from notifications.app.ports import ChannelError, Delivery, DueMessage, MessageChannel, Outbox

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
        max_attempts: int = 5,
        backoff_s: Sequence[float] = (2.0, 10.0, 60.0, 300.0),
        poll_interval_s: float = 1.0,
    ) -> None:
        """``outbox``: the pending messages on a unit of work's connection;
        ``wake_channel``: the NOTIFY channel a committed message is announced on."""
        self._runtime = runtime
        self._outbox = outbox
        self._wake_channel = wake_channel
        self._channels = channels
        self._workers = workers
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
                if await self.dispatch_one():
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

    async def dispatch_one(self) -> bool:
        """Send one due message; False when none is due."""
        async with self._runtime.unit_of_work() as uow:
            outbox = self._outbox(uow)
            message = await outbox.claim_due()
            if message is None:
                return False
            about = (
                {PARTICIPANT_ATTR: message.participant_id}
                if message.tracking_number is None
                else {"jkn.feedback.tracking_number": message.tracking_number}
            )
            # Continue the trace of the event this message answers (saved with the row).
            with tracer("notifications").start_as_current_span(
                f"notify {message.template}",
                context=context_from_headers(message.trace_headers),
                attributes={**about, "jkn.channel": message.channel},
            ):
                await self._send_and_state(uow, outbox, message)
        return True

    async def _send_and_state(self, uow: UnitOfWork, outbox: Outbox, message: DueMessage) -> None:
        """Send through the message's channel, then mark it and emit NotificationSent."""
        channel = message.channel
        address = await outbox.lock_address(message)  # for a participant: see above
        subject, body = await outbox.texts(message)
        delivery = Delivery(
            message.message_id, channel, address, subject, body,
            participant_id=message.participant_id, tracking_number=message.tracking_number,
        )  # fmt: skip
        try:
            await self._channels[channel].send(delivery)
        except Exception as exc:
            if not await self._failed(outbox, message, exc):
                return  # retried later; nothing to state yet
            status = "failed"
        else:
            await outbox.mark_sent(message)
            status = "sent"
        if message.tracking_number is not None:
            return  # a feedback reply: no participant to state it about
        await uow.emit(
            NotificationSent(
                participant_id=message.participant_id,
                correlation_id=message.correlation_id,
                causation_id=message.about_event_id,
                payload=NotificationSentPayload(
                    message_id=message.message_id,
                    channel=channel,
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
