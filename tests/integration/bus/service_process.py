"""Serves the test service as a real one: uvicorn, the HTTP app's lifespan, the runtime.

SIGTERM reaches it the way it reaches a deployed service (uvicorn's handler, then the
lifespan's ``runtime.stop()``), so a test can stop it mid-stream and read its exit code.
Each event takes a little work (``WORK_S``), so a batch is still being applied when the
signal arrives.
"""

from __future__ import annotations

import asyncio
import sys

from integration.bus.harness import record_step, settings
from jkn_bus.http import create_app, serve
from jkn_bus.service import ServiceRuntime
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import DeactivationRequested

WORK_S = 0.02  # what applying one event costs here: a batch of 200 takes about a second


async def slow_step(uow: UnitOfWork, event: DeactivationRequested) -> None:
    """``record_step`` after a moment of work, inside the same transaction."""
    await asyncio.sleep(WORK_S)
    await record_step(uow, event)


def main(database_url: str, bootstrap: str, prefix: str, grace_s: str | None = None) -> None:
    """``grace_s``: the shutdown grace (``shutdown_grace_s``), when not the default."""
    bus = settings(database_url, bootstrap, prefix)
    if grace_s is not None:
        bus = bus.model_copy(update={"shutdown_grace_s": float(grace_s)})
    runtime = ServiceRuntime(
        bus,
        consumes=("jkn.dinsos.participants",),
        handlers={DeactivationRequested: slow_step},
        publishes=False,  # as in consumer_process: this service may not write Dinsos events
    )
    serve(create_app(runtime, title="test service", description="SIGTERM test"), runtime)


if __name__ == "__main__":
    main(*sys.argv[1:5])
