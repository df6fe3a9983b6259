"""The runtime every service is composed on: pool, migrations, outbox relay, consumer.

A service's ``bootstrap.py`` builds a :class:`ServiceRuntime` with its migrations, the
topics it reads and its handlers, then serves its HTTP app (``http.py``) whose lifespan
starts and stops the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from jkn_contracts import Actor, dead_letter_topic

from jkn_bus.batch import apply_batch
from jkn_bus.broker import make_broker, make_producer
from jkn_bus.consumer import EventConsumer
from jkn_bus.db import Migration, bus_migrations, connect_pool, migrate
from jkn_bus.dead_letters import DeadLetterStore, Selection, replay
from jkn_bus.dev_secrets import refuse_dev_secrets
from jkn_bus.handler_table import HandlerTable, by_type_name
from jkn_bus.key_memo import transaction_keys
from jkn_bus.lag import track_lag
from jkn_bus.liveness import ConsumerLiveness
from jkn_bus.relay import OutboxRelay
from jkn_bus.retention import RetentionPurger, RetentionSettings, Store, bus_stores
from jkn_bus.settings import BusSettings
from jkn_bus.telemetry import configure_tracing, transaction_span
from jkn_bus.unit_of_work import Deferred, UnitOfWork, flush_deferred

__all__ = ["ServiceRuntime"]

log = logging.getLogger(__name__)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class ServiceRuntime:
    """Owns a service's connections and background tasks."""

    def __init__(
        self,
        settings: BusSettings,
        *,
        migrations: Sequence[Migration] = (),
        consumes: Sequence[str] = (),
        handlers: HandlerTable | None = None,
        pool_size: int = 10,
        secrets: Mapping[str, str | None] | None = None,
        retention: Sequence[Store] = (),
        retention_settings: RetentionSettings | None = None,
        publishes: bool = True,
    ) -> None:
        """``consumes``: the topics read (unprefixed; a service's are
        ``jkn_contracts.CONSUMERS[service]``); ``handlers``: by event class, checked here
        (``jkn_bus.handler_table``). ``secrets``: the service's own secrets by setting name,
        refused at start when they hold dev defaults outside development (jkn_bus.dev_secrets).
        ``retention``: the service's own stores of personal data, purged with the bus's
        tables when their period is over (jkn_bus.retention; periods from
        ``retention_settings``, by default the ``JKN_RETENTION_*`` variables).
        ``publishes=False``: no relay runs here, another process publishes this outbox (a
        test's relay, logged in as the events' owner)."""
        self.settings = settings
        self._publishes = publishes
        self.secrets: Mapping[str, str | None] = dict(secrets or {})
        self._migrations = [*bus_migrations(), *migrations]
        self.consumes = tuple(consumes)
        self._topics = [settings.jkn_topic_prefix + t for t in consumes]
        self._handlers = dict(handlers or {})
        self.handled_event_types = frozenset(by_type_name(self._handlers))
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        self._dlq_lock = asyncio.Lock()
        self._broker: KafkaBroker | None = None
        self._relay: OutboxRelay | None = None
        self._relay_task: asyncio.Task[None] | None = None
        self._lag_task: asyncio.Task[None] | None = None
        self.retention_settings = retention_settings or RetentionSettings()
        self._retention_stores = list(retention)
        self._purger: RetentionPurger | None = None
        self._purge_task: asyncio.Task[None] | None = None
        self.consumer: EventConsumer | None = None
        self.liveness: ConsumerLiveness | None = None  # its progress, for /health

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("runtime not started")
        return self._pool

    @property
    def purger(self) -> RetentionPurger:
        if self._purger is None:
            raise RuntimeError("runtime not started")
        return self._purger

    @property
    def relay(self) -> OutboxRelay:
        if self._relay is None:
            raise RuntimeError("runtime not started")
        return self._relay

    def _new_producer(self) -> AIOKafkaProducer:
        return make_producer(
            self.settings.kafka_bootstrap_servers,
            client_id=self.settings.service,
            login=self.settings.kafka_login(),
        )

    async def _producer_for_dead_letters(self) -> AIOKafkaProducer:
        async with self._dlq_lock:  # records of a batch are applied concurrently
            if self._dlq_producer is None:
                producer = self._new_producer()
                await producer.start()
                self._dlq_producer = producer
            return self._dlq_producer

    async def start(self) -> None:
        s = self.settings
        refuse_dev_secrets(s, self.secrets)  # before anything connects with them
        configure_tracing(
            s.service, s.otel_exporter_otlp_endpoint, zipkin_endpoint=s.jkn_zipkin_endpoint
        )
        self._pool = await connect_pool(s.database_url, max_size=self._pool_size)
        applied = await migrate(self._pool, self._migrations, scope=s.db_schema)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        self._relay = OutboxRelay(
            self._pool,
            self._new_producer,
            service=s.service,
            schema=s.db_schema,
            batch_size=s.relay_batch_size,
            poll_interval_s=s.relay_poll_interval_s,
        )
        if self._publishes:
            self._relay_task = asyncio.create_task(self._relay.run(), name=f"{s.service}-relay")
        r = self.retention_settings
        self._purger = RetentionPurger(
            self._pool,
            [*bus_stores(r), *self._retention_stores],
            service=s.service,
            schema=s.db_schema,
            interval_s=r.interval_s,
            batch=r.batch,
        )
        self._purge_task = asyncio.create_task(self._purger.run(), name=f"{s.service}-retention")
        if self._topics:
            self.consumer = EventConsumer(
                self._pool,
                self._producer_for_dead_letters,
                service=s.service,
                handlers=self._handlers,
                topic_prefix=s.jkn_topic_prefix,
                max_attempts=s.consumer_max_attempts,
                actor_key=s.jkn_pseudonym_key,
            )
            self.liveness = liveness = ConsumerLiveness(s.consumer_stall_after_s)
            self._broker, subscriber = self._subscribe(self.consumer, liveness)
            await self._broker.start()
            # The aiokafka consumer FastStream made for the subscriber (None until started).
            self._lag_task = asyncio.create_task(
                track_lag(
                    lambda: subscriber.consumer,
                    s.service,
                    s.consumer_lag_interval_s,
                    liveness.lag_seen,
                ),
                name=f"{s.service}-consumer-lag",
            )

    def _subscribe(
        self, consumer: EventConsumer, liveness: ConsumerLiveness
    ) -> tuple[KafkaBroker, Any]:
        broker = make_broker(
            self.settings.kafka_bootstrap_servers,
            client_id=self.settings.service,
            login=self.settings.kafka_login(),
            graceful_timeout_s=self.settings.shutdown_grace_s,
        )
        limit = asyncio.Semaphore(self.settings.consumer_concurrency)
        subscriber = broker.subscriber(
            *self._topics,
            group_id=self.settings.consumer_group,
            group_instance_id=self.settings.consumer_instance_id or None,
            session_timeout_ms=self.settings.consumer_session_timeout_ms,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            batch=True,
            max_records=self.settings.consumer_batch_size,
            batch_timeout_ms=100,
        )

        @subscriber
        # the raw records are used, not the decoded body
        async def on_batch(body: Any, msg: KafkaMessage) -> None:
            await apply_batch(consumer, msg.raw_message, limit)
            # Commit once every record of the batch is applied or dead-lettered: a crash
            # before that redelivers the batch, and the inbox absorbs what was applied.
            await msg.ack()
            liveness.committed()

        return broker, subscriber

    async def replay_dead_letters(self, which: Selection) -> dict[int, str]:
        """Replay the chosen dead letters through this process's consumer (outcome per id;
        ``jkn_bus.dead_letters``). Read back from the service's dead-letter topic with a
        reader of no group: it commits nothing and joins nothing."""
        if self.consumer is None:
            raise RuntimeError("this service consumes nothing: it has no dead letters")
        store = DeadLetterStore(self.pool)
        chosen = await store.select(which)
        if not chosen:
            return {}
        s = self.settings
        reader = AIOKafkaConsumer(
            bootstrap_servers=s.kafka_bootstrap_servers,
            client_id=f"{s.service}-dead-letter-replay",
            enable_auto_commit=False,
            **s.kafka_login().aiokafka(),
        )
        await reader.start()
        # aiokafka 0.14: a group-less consumer stopped before its coordinator's task first
        # ran raises CancelledError from stop() (a 500 with no answer); let it run once
        await asyncio.sleep(0)
        try:
            dlq = dead_letter_topic(s.service, s.jkn_topic_prefix)
            return await replay(store, self.consumer, reader, dlq, chosen)
        finally:
            await reader.stop()

    async def stop(self) -> None:
        """Shut down without leaving anything half-processed (SIGTERM: uvicorn, then the
        lifespan). Consuming stops first and the batch in flight finishes — every record
        applied (or dead-lettered) and the offsets committed — within ``shutdown_grace_s``;
        past it the batch is cancelled: open transactions roll back, the offsets stay
        uncommitted, and the next consumer's redelivery is absorbed by the inbox. Then the
        relay publishes what is committed (the last batch's events too) within the same
        bound, and only then do the producer and the pool close."""
        await _cancel(self._lag_task)  # reads through the consumer about to stop
        if self._broker is not None:
            await self._broker.stop()
        await _cancel(self._purge_task)  # a purge cut short rolls back, runs again later
        if self._relay_task is not None and self._relay is not None:
            self._relay.stop()
            try:
                await asyncio.wait_for(self._relay_task, self.settings.shutdown_grace_s)
            except TimeoutError:  # wait_for cancelled it: its batch is sent again later
                log.warning("outbox relay cut short at shutdown; unsent rows stay pending")
        if self._dlq_producer is not None:
            await self._dlq_producer.stop()
        if self._pool is not None:
            await self._pool.close()

    @contextlib.asynccontextmanager
    async def unit_of_work(self, *, actor: Actor | None = None) -> AsyncIterator[UnitOfWork]:
        """One transaction for a request handler: state changes plus outbox rows.
        ``actor``: who commanded it (``jkn_bus.unit_of_work.actor_of(caller)``), stamped
        on every event written in it; None for reads and the service's own timers."""
        with transaction_span(self.settings.db_schema), transaction_keys():
            async with self.pool.acquire() as conn, conn.transaction():
                deferred: Deferred = []  # its outbox rows: one statement before it commits
                yield UnitOfWork(
                    conn,
                    topic_prefix=self.settings.jkn_topic_prefix,
                    actor=actor,
                    deferred=deferred,
                )
                await flush_deferred(cast(asyncpg.Connection, conn), deferred)
