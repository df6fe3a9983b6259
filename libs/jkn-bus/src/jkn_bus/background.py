"""Work a service runs beside its consumers while the app serves: dispatchers, workers,
start-up backfills. A bootstrap registers it with :func:`add_background` (never by
rewriting the app's lifespan); ``jkn_bus.http.create_app`` enters each registered piece
after the runtime started (consumers, relay) and leaves them in reverse order before the
runtime stops, so a worker never outlives the pool it writes to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

__all__ = ["Background", "add_background", "background_of", "task_while_serving"]

log = logging.getLogger(__name__)

Background = Callable[[], AbstractAsyncContextManager[Any]]
"""A piece of background work: entered when the app has started, left when it stops."""


def background_of(app: FastAPI) -> list[Background]:
    """The work registered on ``app`` (an empty list on an app that has none)."""
    registered: list[Background] | None = getattr(app.state, "background", None)
    if registered is None:
        registered = app.state.background = []
    return registered


def add_background(app: FastAPI, work: Background) -> None:
    """Run ``work`` while ``app`` serves (see the module's docstring for the order)."""
    background_of(app).append(work)


def task_while_serving(name: str, run: Callable[[], Awaitable[Any]]) -> Background:
    """A background task: ``run()`` started as an asyncio task when the app has started,
    cancelled (and awaited) when it stops; a task that ends early just ends, and one that
    failed is logged by its exception's class (never its text) when the app stops."""

    @contextlib.asynccontextmanager
    async def serving() -> AsyncIterator[None]:
        task = asyncio.create_task(_awaited(run), name=name)
        try:
            yield
        finally:
            task.cancel()
            outcomes: list[object] = await asyncio.gather(task, return_exceptions=True)
            outcome = outcomes[0]
            if isinstance(outcome, Exception):
                log.error("background task %s failed (%s)", name, type(outcome).__name__)

    return serving


async def _awaited(run: Callable[[], Awaitable[Any]]) -> Any:
    return await run()
