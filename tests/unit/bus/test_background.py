"""Background work registered on a service app (jkn_bus.background) runs while the app
serves: started after the runtime (its pool and consumers exist), stopped in reverse order
before the runtime stops, so a worker never writes through a closed pool."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from jkn_bus import BusSettings, create_app
from jkn_bus.background import add_background, task_while_serving


class _Runtime:
    """What create_app needs of a runtime: settings, start and stop (recorded)."""

    def __init__(self, journal: list[str]) -> None:
        self.settings = BusSettings(service="enrollment")
        self._journal = journal

    async def start(self) -> None:
        self._journal.append("runtime started")

    async def stop(self) -> None:
        self._journal.append("runtime stopped")


def _work(name: str, journal: list[str]) -> Any:
    @contextlib.asynccontextmanager
    async def work() -> AsyncIterator[None]:
        journal.append(f"{name} started")
        try:
            yield
        finally:
            journal.append(f"{name} stopped")

    return work


async def test_background_work_runs_inside_the_runtimes_life_and_stops_in_reverse() -> None:
    journal: list[str] = []
    app = create_app(_Runtime(journal), title="t", description="t")  # type: ignore[arg-type]
    add_background(app, _work("dispatcher", journal))
    add_background(app, _work("backfill", journal))

    async with app.router.lifespan_context(app):
        journal.append("serving")

    assert journal == [
        "runtime started",
        "dispatcher started",
        "backfill started",
        "serving",
        "backfill stopped",
        "dispatcher stopped",
        "runtime stopped",
    ]


async def test_a_task_while_serving_is_cancelled_when_the_app_stops() -> None:
    journal: list[str] = []
    running = asyncio.Event()

    async def forever() -> None:
        running.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            journal.append("task cancelled")
            raise

    app = create_app(_Runtime(journal), title="t", description="t")  # type: ignore[arg-type]
    add_background(app, task_while_serving("forever", forever))

    async with app.router.lifespan_context(app):
        await asyncio.wait_for(running.wait(), timeout=5)
        journal.append("serving")

    assert journal == ["runtime started", "serving", "task cancelled", "runtime stopped"]


async def test_a_failing_start_still_stops_the_runtime() -> None:
    journal: list[str] = []

    @contextlib.asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        raise OSError("cannot start")
        yield  # pragma: no cover

    app = create_app(_Runtime(journal), title="t", description="t")  # type: ignore[arg-type]
    add_background(app, broken)

    with contextlib.suppress(OSError):
        async with app.router.lifespan_context(app):
            journal.append("serving")

    assert journal == ["runtime started", "runtime stopped"]


async def test_a_background_task_that_failed_does_not_break_the_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []

    async def fails() -> None:
        raise LookupError("a text that may quote a resident")

    app = create_app(_Runtime(journal), title="t", description="t")  # type: ignore[arg-type]
    add_background(app, task_while_serving("fragile", fails))

    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.01)  # the task runs and fails
        journal.append("serving")

    assert journal == ["runtime started", "serving", "runtime stopped"]
    failures = [r.getMessage() for r in caplog.records if r.name == "jkn_bus.background"]
    assert failures == ["background task fragile failed (LookupError)"]
