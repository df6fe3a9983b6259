"""What the fault suite reads to tell that a service is consuming again
(``jkn_demo.fault_scenarios``): its writes, its consumer group's offsets and lag, its /health.

librdkafka's calls take timeouts (an aiokafka client of a broker coming back can wait for it
without end, and ignore its cancellation): the group probes are blocking, run them in a
thread. Each probe answers None or False when it cannot read, never raises: a part that is
still down is what is being waited for.
"""

from __future__ import annotations

import concurrent.futures
from datetime import datetime

import asyncpg
import httpx
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient
from jkn_devstack.credentials import admin_librdkafka_config

__all__ = ["first_write_since", "group_lag", "group_offsets", "healthy", "offsets_moved"]

Offsets = dict[tuple[str, int], int]


async def first_write_since(
    admin_url: str, database: str, service: str, since: datetime
) -> datetime | None:
    """When ``service`` first committed work after ``since``, by its own rows' timestamps
    (so the answer does not depend on how often it is asked): the earliest inbox row with a
    later ``processed_at`` (written in the transaction of the event's effects; the
    transaction's start), or outbox row with a later ``created_at`` (the gateway's BPJS calls
    are intents a worker carries out apart from the consumer, and what a call led to is an
    event). None while there is none, or when the database cannot be read."""
    schema = service.replace("-", "_")
    try:
        conn = await asyncpg.connect(admin_url, database=database, timeout=2)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        first: datetime | None = await conn.fetchval(
            f"SELECT least((SELECT min(processed_at) FROM {schema}.inbox WHERE processed_at > $1),"  # noqa: S608 - our schema names
            f" (SELECT min(created_at) FROM {schema}.outbox WHERE created_at > $1))",
            since,
        )
    except (OSError, asyncpg.PostgresError):
        return None
    finally:
        await conn.close()
    return first


def _config(bootstrap: str) -> dict[str, str | int | float | bool]:
    return {**admin_librdkafka_config(bootstrap), "socket.timeout.ms": 3000, "log_level": 0}


def group_offsets(bootstrap: str, group: str) -> Offsets | None:
    """The group's committed offsets by (topic, partition); None when they cannot be read.

    A consumer commits once every record of its batch is applied or dead-lettered
    (``jkn_bus.service``): an offset past the one read before means a batch was finished
    since, including batches whose events the service has no handler for (no inbox row)."""
    try:
        answer = AdminClient(_config(bootstrap)).list_consumer_group_offsets(
            [ConsumerGroupTopicPartitions(group)], request_timeout=3
        )
        committed = answer[group].result(timeout=4).topic_partitions
    except (KafkaException, concurrent.futures.TimeoutError):
        return None
    return {(tp.topic, tp.partition): tp.offset for tp in committed or ()}


def offsets_moved(bootstrap: str, group: str, before: Offsets | None) -> bool:
    """Whether any of the group's committed offsets is past ``before``'s (False when either
    cannot be read)."""
    now = group_offsets(bootstrap, group) if before is not None else None
    if now is None or before is None:
        return False
    return any(offset > before.get(tp, -1) for tp, offset in now.items())


def group_lag(bootstrap: str, group: str) -> int | None:
    """The records the group has still to commit, across its partitions; None when unread."""
    committed = group_offsets(bootstrap, group)
    if not committed:
        return None
    try:
        ends = Consumer({**_config(bootstrap), "group.id": f"{group}-lag-probe"})
        try:
            lag = 0
            for (topic, partition), offset in committed.items():
                _, high = ends.get_watermark_offsets(TopicPartition(topic, partition), timeout=3)
                lag += max(high - offset, 0) if offset >= 0 else high
        finally:
            ends.close()
    except (KafkaException, concurrent.futures.TimeoutError):
        return None
    return lag


async def healthy(url: str) -> bool:
    """Whether ``url``'s /health answers 200."""
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            answer = await client.get(f"{url}/health")
    except httpx.HTTPError:
        return False
    return answer.status_code == 200
