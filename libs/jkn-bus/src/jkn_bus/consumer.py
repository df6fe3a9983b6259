"""Consuming events: idempotent inbox, bounded retries, dead letters, commit after success.

For each record, in partition order:

1. The trace context in its headers becomes the parent of a CONSUMER span.
2. A record that is not a valid event (unknown type, failed validation) goes straight to
   this service's dead-letter topic with the reason: retrying cannot fix it. So does a valid
   event that is not one of the events of the topic it arrived on (``EVENT_NOT_OF_TOPIC``):
   each event type has one producer (a Literal in the contracts) and one topic, owned by
   that producer, so such a record is a forged fact — never applied, whoever could write it
   (the broker's ACLs already keep every service to its own topic). The same holds on an
   agency system's inbound topic (only the submissions of its spec) and a reply topic.
3. Otherwise, in ONE transaction: the event id is inserted in the inbox (``ON CONFLICT DO
   NOTHING``). If it was already there the effects already happened: skip. Else the
   handler applies its effects and writes its own events to the outbox. Commit.
   A submission on an inbound topic (``jkn_contracts.topics.INBOUND``) is applied the same
   way; its unit of work carries the submitting system's actor (the topic's one writer,
   ``jkn_bus.unit_of_work.system_actor``) and the topic's spec (``uow.inbound``).
4. Only then is the Kafka offset committed. A crash before that redelivers the record and
   step 3 finds it in the inbox: one effect however often it is delivered.

Failures. Infrastructure errors (database unreachable) and ``TransientError`` (e.g. BPJS
unavailable) are retried with capped backoff for as long as they last: blocking the
partition is right, order matters and nothing is wrong with the message. Any other
exception is a defect of the message or the handler: after ``max_attempts`` the record goes
to the dead-letter topic with the reason (a code and the exception's class, never its
text) and its original topic/partition/offset and trace context in
headers, and the partition moves on — a poison message never blocks it. The record, these
classes of error and the reason codes are ``jkn_bus.consumed``'s (named here too).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

import asyncpg
from aiokafka import AIOKafkaProducer
from jkn_contracts import AnyMessage, parse_message
from jkn_contracts.topics import events_of, inbound_spec
from opentelemetry import trace
from pydantic import ValidationError

from jkn_bus import metrics
from jkn_bus.consumed import (
    EVENT_NOT_OF_TOPIC,
    HANDLER_FAILED,
    INFRA_ERRORS,
    INVALID_EVENT,
    Record,
    TransientError,
)
from jkn_bus.dead_letters import DeadLetterWriter
from jkn_bus.handler_table import Handler, HandlerTable, by_type_name
from jkn_bus.key_memo import transaction_keys
from jkn_bus.scrub import reason as reason_of
from jkn_bus.telemetry import (
    PARTICIPANT_ATTR,
    context_from_headers,
    kafka_headers,
    tracer,
    transaction_span,
)
from jkn_bus.unit_of_work import Deferred, UnitOfWork, flush_deferred, system_actor

__all__ = [
    "EVENT_NOT_OF_TOPIC",
    "HANDLER_FAILED",
    "INFRA_ERRORS",
    "INVALID_EVENT",
    "EventConsumer",
    "Handler",
    "Record",
    "TransientError",
]

log = logging.getLogger(__name__)


class EventConsumer:
    """Applies events of the subscribed topics to one service, exactly once in effect."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: Callable[[], Awaitable[AIOKafkaProducer]],
        *,
        service: str,
        handlers: HandlerTable,
        topic_prefix: str = "",
        max_attempts: int = 4,
        backoff_s: Sequence[float] = (0.2, 1.0, 3.0),
        max_transient_backoff_s: float = 15.0,
        actor_key: str = "",
    ) -> None:
        """``handlers``: by event class (``jkn_bus.handler_table``); a record of a type
        with no handler is skipped (``ignored``). ``actor_key``: the city's pseudonym key,
        of the actor ids of agency systems submitting on inbound topics (``system_actor``)."""
        self._pool = pool
        self._producer = producer
        self._service = service
        self._handlers = by_type_name(handlers)
        self._topic_prefix = topic_prefix
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._max_transient_backoff_s = max_transient_backoff_s
        self._actor_key = actor_key
        self._dead_letters = DeadLetterWriter(
            pool,
            producer,
            service=service,
            topic_prefix=topic_prefix,
            backoff_s=backoff_s[0],
            max_backoff_s=max_transient_backoff_s,
        )

    @property
    def pool(self) -> asyncpg.Pool:
        return self._pool

    @property
    def service(self) -> str:
        return self._service

    @property
    def schema(self) -> str:
        """The service's schema (its name, with underscores): what its transactions touch."""
        return self._service.replace("-", "_")

    def span(self, record: Record) -> AbstractContextManager[trace.Span]:
        """The CONSUMER span of ``record``: its headers' trace context is the parent."""
        return tracer().start_as_current_span(
            f"{record.topic} process",
            context=context_from_headers(kafka_headers(record.headers)),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self._topic_prefix + self._service,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        )

    def handler_for(self, record: Record) -> tuple[AnyMessage, Handler | None] | None:
        """The event of ``record`` and its handler (None: ignored here) when it is a valid
        event of its topic (what a batch applies); None when it is not (``process``
        dead-letters it)."""
        try:
            event = parse_message(record.value or b"")
        except ValidationError:
            return None
        if event.event_type not in events_of(record.topic.removeprefix(self._topic_prefix)):
            return None
        return event, self._handlers.get(event.event_type)

    async def process(self, record: Record, *, failed_attempts: int = 0) -> str:
        """Apply one record; returns the outcome: applied, duplicate, ignored or dead_lettered.
        ``failed_attempts``: how often its handler already failed (in a batch)."""
        with self.span(record) as span:
            try:
                # any known type, so that one on the wrong topic is recognised as such
                event = parse_message(record.value or b"")
            except ValidationError as exc:
                # the error types only: a location may be a key the sender chose, a message
                # may quote the input (jkn_bus.scrub)
                kinds = sorted({str(e["type"]) for e in exc.errors(include_input=False)})
                reason = f"{reason_of(INVALID_EVENT, exc)} ({', '.join(kinds)})"
                return await self._dead_letter(record, reason[:1000], attempts=1, event_type="?")
            # an agency's act or a submission names no resident
            if (participant := getattr(event, "participant_id", None)) is not None:
                span.set_attribute(PARTICIPANT_ATTR, participant)
            span.set_attribute("jkn.event_type", event.event_type)
            topic = record.topic.removeprefix(self._topic_prefix)
            if event.event_type not in events_of(topic):
                # event_type is a validated Literal and the topic is one we subscribed to:
                # neither echoes anything a sender chose freely
                by = getattr(event, "producer", "an agency system")
                reason = (
                    f"{EVENT_NOT_OF_TOPIC}: {event.event_type} (by {by}) is not an event of {topic}"
                )
                return await self._dead_letter(record, reason, 1, event.event_type, participant)
            handler = self._handlers.get(event.event_type)
            if handler is None:
                metrics.CONSUMED.labels(self._service, event.event_type, "ignored").inc()
                return "ignored"
            return await self._apply_with_retries(record, event, handler, failed_attempts)

    async def _apply_with_retries(
        self, record: Record, event: AnyMessage, handler: Handler, attempts: int
    ) -> str:
        if attempts:  # it failed in a batch just now: back off as after any failed attempt
            await asyncio.sleep(self._backoff_s[min(attempts - 1, len(self._backoff_s) - 1)])
        transient_delay = self._backoff_s[0]
        while True:
            try:
                outcome = await self._apply(record, event, handler)
            except (*INFRA_ERRORS, TransientError) as exc:
                log.warning(
                    "transient failure applying %s (%s); retrying in %.1fs",
                    event.event_type,
                    type(exc).__name__,
                    transient_delay,
                    extra={"participant_id": getattr(event, "participant_id", None)},
                )
                await asyncio.sleep(transient_delay)
                transient_delay = min(transient_delay * 2, self._max_transient_backoff_s)
                continue
            except Exception as exc:  # any other failure: the message's or the handler's defect
                attempts += 1
                if attempts >= self._max_attempts:
                    reason = reason_of(HANDLER_FAILED, exc)  # the class, never the text
                    return await self._dead_letter(
                        record,
                        reason,
                        attempts,
                        event.event_type,
                        getattr(event, "participant_id", None),
                    )
                delay = self._backoff_s[min(attempts - 1, len(self._backoff_s) - 1)]
                log.warning(
                    "failed applying %s (attempt %d/%d, %s); retrying in %.1fs",
                    event.event_type,
                    attempts,
                    self._max_attempts,
                    type(exc).__name__,
                    delay,
                    extra={"participant_id": getattr(event, "participant_id", None)},
                )
                await asyncio.sleep(delay)
                continue
            metrics.CONSUMED.labels(self._service, event.event_type, outcome).inc()
            return outcome

    async def _apply(self, record: Record, event: AnyMessage, handler: Handler) -> str:
        started = time.perf_counter()
        with transaction_span(self.schema), transaction_keys():
            async with self._pool.acquire() as conn, conn.transaction():
                fresh = await conn.fetchval(
                    'INSERT INTO inbox (event_id, event_type, topic, partition, "offset")'
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING true",
                    event.event_id,
                    event.event_type,
                    record.topic,
                    record.partition,
                    record.offset,
                )
                if not fresh:
                    return "duplicate"
                deferred: Deferred = []
                await handler(self.unit_of_work(conn, record, event, deferred), event)
                await flush_deferred(cast(asyncpg.Connection, conn), deferred)
        metrics.HANDLER_SECONDS.labels(self._service, event.event_type).observe(
            time.perf_counter() - started
        )
        return "applied"

    def unit_of_work(
        self, conn: Any, record: Record, event: AnyMessage, deferred: Deferred | None = None
    ) -> UnitOfWork:
        """The handler's unit of work: a submission's carries its system's actor."""
        spec = inbound_spec(record.topic.removeprefix(self._topic_prefix))
        return UnitOfWork(
            conn,
            topic_prefix=self._topic_prefix,
            cause=event,
            actor=None if spec is None else system_actor(spec, self._actor_key),
            inbound=spec,
            position=(record.topic, record.partition, record.offset),
            deferred=deferred,
        )

    async def _dead_letter(
        self,
        record: Record,
        reason: str,
        attempts: int,
        event_type: str,
        participant_id: str | None = None,
    ) -> str:
        await self._dead_letters.write(
            record, reason, attempts, event_type=event_type, participant_id=participant_id
        )
        metrics.CONSUMED.labels(self._service, event_type, "dead_lettered").inc()
        return "dead_lettered"
