"""Reading and writing raw Kafka records in tests (as the admin principal, jkn-admin)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from jkn_contracts import AnyEvent, parse_event
from jkn_devstack.credentials import admin_kafka_kwargs


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    expect: int,
    # a deadline rather than asyncio.timeout: what arrived by then is returned, not lost
    timeout: float = 30.0,  # noqa: ASYNC109
) -> list[ConsumerRecord]:
    """Every record of ``topic`` from the beginning, waiting until at least ``expect`` arrived."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **admin_kafka_kwargs(),
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(records) < expect and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
        # Drain a little longer: more than expected (duplicates) must be seen too.
        batch = await consumer.getmany(timeout_ms=1000)
        for part in batch.values():
            records.extend(part)
    finally:
        await consumer.stop()
    return records


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Write (key, value) records in order."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **admin_kafka_kwargs()
    )
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


class Collector:
    """Every event published on a topic since the start, kept in arrival order."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.events: list[AnyEvent] = []
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"test-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **admin_kafka_kwargs(),
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for record in self._consumer:
            self.events.append(parse_event(record.value or b""))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    def of(self, participant_id: str, event_type: str | None = None) -> list[AnyEvent]:
        return [
            e
            for e in self.events
            if e.participant_id == participant_id
            and (event_type is None or e.event_type == event_type)
        ]
