"""Outbox relay throughput: events/s from committed outbox row to broker confirmation."""

from __future__ import annotations

import asyncio
import time
import uuid

from jkn_bus import outbox
from jkn_bus.broker import make_producer
from jkn_bus.db import bus_migrations, connect_pool, migrate
from jkn_bus.relay import OutboxRelay
from jkn_bus.settings import BusSettings
from jkn_contracts import DeactivationRequested, participant_id_for

from jkn_demo.stackenv import BOOTSTRAP, STATE_DIR, fresh_stack_env

__all__ = ["relay_throughput"]


async def relay_throughput(n: int = 20_000, participants: int = 1_000) -> float:
    """Commit ``n`` events (batched writes), then time the relay until all are confirmed."""
    prefix = f"relaybench{uuid.uuid4().hex[:6]}."
    env = await fresh_stack_env(
        database="jkn_relay_bench", topic_prefix=prefix, run_dir=STATE_DIR / "bench"
    )
    pool = await connect_pool(env["VERIFICATION_DATABASE_URL"])
    try:
        await migrate(pool, bus_migrations(), scope="verification")
        who = [participant_id_for(f"15710101019{i:05d}", "bench") for i in range(participants)]
        for start in range(0, n, 1000):
            async with pool.acquire() as conn, conn.transaction():
                for i in range(start, min(n, start + 1000)):
                    event = DeactivationRequested(
                        participant_id=who[i % participants],
                        correlation_id=uuid.uuid4(),
                        payload={
                            "reason": "pindah",
                            "evidence_ref": f"bench-{i}",
                            "reported_by": "bench",
                        },
                    )
                    await outbox.append(conn, event, topic_prefix=prefix)
        relay = OutboxRelay(
            pool,
            # the events are Dinas Sosial's: only enrollment's principal may write them
            lambda: make_producer(
                BOOTSTRAP,
                client_id="relay-bench",
                login=BusSettings(service="enrollment").kafka_login(),
            ),
            service="verification",
            schema="verification",
            batch_size=500,
            poll_interval_s=0.2,
        )
        started = time.perf_counter()
        task = asyncio.create_task(relay.run())
        # the relay runs in this process but its progress is only visible in Postgres: poll it
        unpublished = "SELECT count(*) FROM outbox WHERE published_at IS NULL"
        while await pool.fetchval(unpublished):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return n / elapsed
    finally:
        await pool.close()
