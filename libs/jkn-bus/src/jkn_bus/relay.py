"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

Ordering. Rows are read by *state* (``published_at IS NULL``) in id order, never as "ids
greater than the last one seen": identity values are handed out at INSERT time but
become visible at COMMIT time, so under concurrency id 11 can be visible before id 10.
A relay that remembered "last id = 11" would skip 10 forever. Reading by state, 10 is
simply published in a later batch. What we need is per-participant order, and that
holds because a service never has two open transactions emitting for the same
participant: consumers process a partition (hence a participant) sequentially, and
request handlers lock the participant's row first. So the later event of a participant
always gets the larger id *and* commits later.

Delivery. A batch is sent in id order through an idempotent producer (``acks=all``,
at most 5 requests in flight, so retries cannot reorder a partition), and rows are
marked published only after every send of the batch was acknowledged. A crash between
the broker's acknowledgement and that UPDATE republishes the batch: consumers absorb
the replay with the inbox (same ``event_id``). After an ambiguous send error (timeout)
the producer is re-created (docs/pitfalls.md#ambiguous-send) and the batch is sent again.

Stopping (``stop()``, on SIGTERM): the relay publishes what is committed by then — the
consumer has stopped first, so the last batch's events are in the outbox — and returns;
a send cut short by the bound is sent again by the next relay (the inbox absorbs it).

One active relay per service: the relay holds a session advisory lock on its listening
connection. A second replica waits for it; if the holder dies, Postgres drops the lock
with the connection and the waiting replica takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer
from jkn_contracts import PARTICIPANT_ID_PATTERN
from opentelemetry import trace

from jkn_bus import metrics
from jkn_bus.db import keeps_session_state
from jkn_bus.outbox import NOTIFY_CHANNEL_PREFIX
from jkn_bus.telemetry import PARTICIPANT_ATTR, context_from_headers, current_trace_headers, tracer

__all__ = ["OutboxRelay"]

log = logging.getLogger(__name__)

_PARTICIPANT = re.compile(PARTICIPANT_ID_PATTERN)


class OutboxRelay:
    """Publishes one service's outbox. Run ``run()`` as a task; ``stop()`` drains and ends it
    (cancelling it abandons the batch in flight, sent again later)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        service: str,
        schema: str,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
    ) -> None:
        self._pool = pool
        self._producer_factory = producer_factory
        self._producer: AIOKafkaProducer | None = None
        self._service = service
        self._channel = NOTIFY_CHANNEL_PREFIX + schema
        self._lock_key = int.from_bytes(
            hashlib.sha256(f"outbox-relay:{schema}".encode()).digest()[:8], "big", signed=True
        )
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.active = asyncio.Event()  # set while this replica holds the relay lock

    async def run(self) -> None:
        """Wait for the relay lock, then publish until cancelled. Reconnects on failure."""
        try:
            while not self._stopping.is_set():
                try:
                    await self._run_once()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("outbox relay lost its database connection: %s", type(exc).__name__)
                    self.active.clear()
                    await asyncio.sleep(self._poll_interval_s)
                except Exception as exc:  # the relay must outlive any round
                    log.error("outbox relay round failed (%s); starting over", type(exc).__name__)
                    self.active.clear()
                    await asyncio.sleep(self._poll_interval_s)
        finally:
            self.active.clear()
            if self._producer is not None:
                await self._producer.stop()

    async def _run_once(self) -> None:
        async with self._pool.acquire() as lock_conn:
            keeps_session_state(lock_conn)
            # the lock is held by another relay process: nothing here can signal its release
            locked = "SELECT pg_try_advisory_lock($1)"
            while not await lock_conn.fetchval(locked, self._lock_key):
                if self._stopping.is_set():
                    return
                await asyncio.sleep(self._poll_interval_s)
            try:
                await lock_conn.add_listener(self._channel, self._on_notify)
                self.active.set()
                log.info("outbox relay active for %s", self._service)
                while not lock_conn.is_closed():
                    # a round that starts after stop() sees every row committed before it
                    draining = self._stopping.is_set()
                    published = await self.publish_pending()
                    if draining and 0 <= published < self._batch_size:
                        return  # drained: everything committed before stop() is sent
                    if published < self._batch_size and not self._stopping.is_set():
                        self._wake.clear()
                        # NOTIFY wakes us at once; the timeout is the fallback when a
                        # notification is lost (e.g. the listening connection was reset).
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            finally:
                self.active.clear()
                if not lock_conn.is_closed():
                    await lock_conn.remove_listener(self._channel, self._on_notify)
                    await lock_conn.execute("SELECT pg_advisory_unlock($1)", self._lock_key)

    def stop(self) -> None:
        """Ask ``run()`` to publish what is pending and return (the caller awaits the task)."""
        self._stopping.set()
        self._wake.set()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; return how many were published (-1: the
        send failed, the batch is sent again by the next round)."""
        # the oldest row's age read with the rows: one statement a round (and none more
        # for the UPDATE of a batch, ``ANY``), however many rows a round sends
        rows = await self._pool.fetch(
            "SELECT id, topic, key, value, headers,"
            " extract(epoch FROM clock_timestamp() - created_at)::float8 AS age FROM outbox"
            " WHERE published_at IS NULL ORDER BY id LIMIT $1",
            self._batch_size,
        )
        if not rows:
            metrics.OUTBOX_AGE.labels(self._service).set(0)
            return 0
        metrics.OUTBOX_AGE.labels(self._service).set(rows[0]["age"])
        try:
            # inside: a broker that is down when the producer (re)starts is a failed round,
            # not the end of the relay (it would leave every later row unpublished)
            producer = await self._get_producer()
            futures = [await self._send(producer, row) for row in rows]
            await asyncio.gather(*futures)
        except Exception as exc:
            # Ambiguous: some records may be written. Re-create the producer and let the
            # next round resend the whole batch; the inbox absorbs the duplicates.
            log.warning("outbox publish failed (%s); producer re-created", type(exc).__name__)
            await self._reset_producer()
            await asyncio.sleep(self._poll_interval_s)
            return -1
        await self._pool.execute(
            "UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
            [row["id"] for row in rows],
        )
        metrics.OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _send(self, producer: AIOKafkaProducer, row: asyncpg.Record) -> asyncio.Future[Any]:
        saved = json.loads(row["headers"])
        parent = context_from_headers(saved)
        with tracer().start_as_current_span(
            f"{row['topic']} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "publish",
                "messaging.destination.name": row["topic"],
                # the key: a participant's pseudonym, or what orders an agency's act
                **({PARTICIPANT_ATTR: row["key"]} if _PARTICIPANT.fullmatch(row["key"]) else {}),
            },
        ):
            headers = [(k, v.encode()) for k, v in current_trace_headers().items()]
        future: asyncio.Future[Any] = await producer.send(
            row["topic"], value=bytes(row["value"]), key=row["key"].encode(), headers=headers
        )
        return future

    async def _get_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = self._producer_factory()
            try:
                await producer.start()
            except BaseException:
                # one that failed to start holds a client and its tasks all the same:
                # stopped here (else asyncio logs "Unclosed AIOKafkaProducer" at ERROR)
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _reset_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # a broken producer may fail to stop; it is dropped anyway
                log.debug("producer stop failed", exc_info=True)
