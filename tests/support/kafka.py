"""Reading and writing raw Kafka records in tests."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord


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
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()
