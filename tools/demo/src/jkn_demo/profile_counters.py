"""What one stack did, counted at its sources: Postgres transactions (the database's own
statistics), Kafka records (the end offsets of the stack's topics) and BPJS calls (the
simulator's ``GET /_sim/calls``). `make profile` reads them before and after the journey and
divides the difference by the residents who went through it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from jkn_devstack import wanted_topics
from jkn_devstack.credentials import admin_kafka_kwargs

from jkn_demo.stackenv import ADMIN_URL, BOOTSTRAP

__all__ = [
    "Counters",
    "bpjs_calls",
    "kafka_records",
    "postgres_transactions",
    "wait_for_no_sessions",
]


@dataclass(frozen=True)
class Counters:
    """Totals so far; the difference of two readings is what happened in between."""

    transactions: int
    records: int
    bpjs_calls: int

    def __sub__(self, earlier: Counters) -> Counters:
        return Counters(
            transactions=self.transactions - earlier.transactions,
            records=self.records - earlier.records,
            bpjs_calls=self.bpjs_calls - earlier.bpjs_calls,
        )


async def postgres_transactions(database: str) -> int:
    """Commits and rollbacks of every session of ``database`` so far, as Postgres counts them.

    A fresh admin connection each time: a session keeps the statistics it read first until
    its transaction ends, and Postgres publishes a backend's counts when it goes idle or
    exits, so read after the services stopped for the exact figure
    (``wait_for_no_sessions``).
    """
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        count = await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
            database,
        )
    finally:
        await conn.close()
    if count is None:
        raise RuntimeError(f"no statistics for database {database!r}")
    return int(count)


async def wait_for_no_sessions(database: str, timeout: float = 30.0) -> None:  # noqa: ASYNC109 - polled until a deadline, then an error naming the database
    """Until no session of ``database`` is left: an exiting backend publishes its counts."""
    deadline = time.monotonic() + timeout
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        while await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", database
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"sessions of {database!r} still open after {timeout} s")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def kafka_records(prefix: str) -> int:
    """Records written so far to every topic of ``prefix`` (the services produce without
    transactions, so an end offset minus the first offset is a count of records)."""
    partitions = [
        TopicPartition(topic, partition)
        for topic, count in wanted_topics(prefix).items()
        for partition in range(count)
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, **admin_kafka_kwargs())
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
    finally:
        await consumer.stop()
    return sum(ends[tp] - starts[tp] for tp in partitions)


async def bpjs_calls(client: httpx.AsyncClient, simulator: str) -> int:
    """Calls the simulator answered on its BPJS routes since it started."""
    reply = await client.get(f"{simulator}/_sim/calls")
    return int(reply.raise_for_status().json()["total"])
