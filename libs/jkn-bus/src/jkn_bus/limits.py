"""Slowing down guessing: a second factor (receipt code, access code) is only as strong as
the number of guesses an attacker gets. Per process and in memory: each replica counts its
own clients, which bounds guessing per replica; a shared limit belongs in the ingress."""

from __future__ import annotations

import time
from collections import defaultdict, deque

__all__ = ["FailureLimiter"]


class FailureLimiter:
    """At most ``limit`` failed look-ups per client per ``window_s`` seconds."""

    def __init__(self, limit: int = 30, window_s: float = 600.0) -> None:
        self._limit, self._window = limit, window_s
        self._failures: defaultdict[str, deque[float]] = defaultdict(deque)

    def blocked(self, client: str) -> bool:
        """True while ``client`` has used up its failed attempts of the window."""
        recent = self._failures.get(client)
        now = time.monotonic()
        while recent and recent[0] < now - self._window:
            recent.popleft()
        if recent is not None and not recent:
            del self._failures[client]
        return bool(recent) and len(recent) >= self._limit  # type: ignore[arg-type]

    def fail(self, client: str) -> None:
        """Count one failed attempt of ``client``."""
        self._failures[client].append(time.monotonic())
