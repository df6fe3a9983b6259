"""Runs the audit service's runtime in its own process, so a test can kill it mid-batch."""

from __future__ import annotations

import asyncio
import sys

from jkn_audit.bootstrap import build_runtime
from jkn_bus import BusSettings


async def main(database_url: str, bootstrap: str, prefix: str) -> None:
    runtime = build_runtime(
        BusSettings(
            service="audit",
            database_url=database_url,
            kafka_bootstrap_servers=bootstrap,
            jkn_topic_prefix=prefix,
        )
    )
    await runtime.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
