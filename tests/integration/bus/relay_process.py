"""Runs one outbox relay in its own process, so a test can kill it with SIGKILL."""

from __future__ import annotations

import asyncio
import sys

from jkn_bus.broker import make_producer
from jkn_bus.db import connect_pool
from jkn_bus.relay import OutboxRelay
from jkn_bus.settings import BusSettings

# the test events are Dinas Sosial's (DeactivationRequested): only enrollment may write them
LOGIN = BusSettings(service="enrollment").kafka_login()


async def main(database_url: str, bootstrap: str, batch_size: int) -> None:
    pool = await connect_pool(database_url)
    relay = OutboxRelay(
        pool,
        lambda: make_producer(bootstrap, client_id="relay-test", login=LOGIN),
        service="verification",
        schema="verification",
        batch_size=batch_size,
        poll_interval_s=0.1,
    )
    await relay.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
