"""Waiting for asynchronous outcomes without fixed sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T]],
    *,
    # a deadline rather than asyncio.timeout: the failure reports the last value checked
    timeout: float = 30.0,  # noqa: ASYNC109
    interval: float = 0.2,
) -> T:
    """Poll ``check`` until it returns a truthy value; after ``timeout``, fail with the last."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)
