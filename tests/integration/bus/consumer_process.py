"""Runs the test service's consumer in its own process, so a test can kill it."""

from __future__ import annotations

import asyncio
import sys

from integration.bus.harness import record_step, settings
from jkn_bus.service import ServiceRuntime
from jkn_contracts import DeactivationRequested


async def main(database_url: str, bootstrap: str, prefix: str) -> None:
    runtime = ServiceRuntime(
        settings(database_url, bootstrap, prefix),
        consumes=("jkn.dinsos.participants",),
        handlers={DeactivationRequested: record_step},
        # The test's own relay process publishes the outbox, logged in as the owner of these
        # (Dinas Sosial's) events; a relay here would log in as the test service, which the
        # broker rightly refuses to let write them.
        publishes=False,
    )
    await runtime.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
