"""How the gateway spares BPJS when it is down or busy: retry delays (exponential backoff
with full jitter), a circuit breaker per operation, and a rate limit per cons-id.

Pure and clock-injected, so that they are unit-tested without sleeping. A breaker opens
after ``threshold`` consecutive failures, or at once for a failure no retry can cure (our
credentials refused, a body that does not decrypt: someone must act); after ``cooldown_s``
one probe call is let through (half-open): its success closes the breaker, its failure
opens it for another cool-down. Opening and closing are told to ``on_change`` once each
(the worker logs one line and sets the gauge), never per call.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker", "CircuitOpenError", "RateLimiter", "backoff_s"]

BreakerState = Literal["closed", "open", "half_open"]
_EPSILON = 1e-6


class CircuitOpenError(Exception):
    """The operation's breaker is open: nothing was sent to BPJS."""

    def __init__(self, operation: str) -> None:
        super().__init__(operation)
        self.operation = operation


def backoff_s(
    attempts: int,
    *,
    base_s: float,
    max_s: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """The delay before the next try after ``attempts`` failed ones: full jitter, a uniform
    draw from [0, min(max_s, base_s * 2**(attempts-1))) (spreads a backlog's retries)."""
    ceiling: float = min(max_s, base_s * 2.0 ** max(attempts - 1, 0))
    return ceiling * rand()


@dataclass
class CircuitBreaker:
    """One operation's breaker (tambah, kurang or lookup)."""

    operation: str
    threshold: int = 5
    cooldown_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    on_change: Callable[[str, BreakerState, str], None] | None = None
    state: BreakerState = "closed"
    failures: int = 0
    opened_at: float = 0.0
    _probing: bool = field(default=False, repr=False)

    def allows(self) -> bool:
        """Whether a call may go now; the first call after the cool-down is the probe
        (half-open), further ones wait for its answer."""
        if self.state == "closed":
            return True
        if self.state == "open" and self.clock() - self.opened_at >= self.cooldown_s:
            self.state = "half_open"
            self._probing = False
        if self.state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def ready_in_s(self) -> float:
        """Seconds until a call may be let through (0 when closed or a probe is due)."""
        if self.state == "open":
            return max(0.0, self.cooldown_s - (self.clock() - self.opened_at))
        if self.state == "half_open" and self._probing:
            return self.cooldown_s  # the probe's answer decides; at worst another cool-down
        return 0.0

    def succeeded(self) -> None:
        """BPJS answered (a refusal or a not-found are answers too)."""
        self.failures = 0
        self._probing = False
        if self.state != "closed":
            self.state = "closed"
            self._tell("closed", "answered")

    def released(self) -> None:
        """A call let through ended without telling whether BPJS is up (cancelled)."""
        self._probing = False

    def failed(self, reason: str, *, trip: bool = False) -> None:
        """BPJS failed the call; ``trip``: open now, whatever the count."""
        self.failures += 1
        self._probing = False
        if self.state == "half_open" or trip or self.failures >= self.threshold:
            was_open = self.state != "closed"
            self.state = "open"
            self.opened_at = self.clock()
            if not was_open:
                self._tell("open", reason)

    def _tell(self, state: BreakerState, reason: str) -> None:
        if self.on_change is not None:
            self.on_change(self.operation, state, reason)


@dataclass
class RateLimiter:
    """A token bucket: at most ``rate_per_s`` calls a second, bursts of ``burst``."""

    rate_per_s: float
    burst: float = 1.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _tokens: float = field(default=-1.0, repr=False)
    _stamp: float = field(default=0.0, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def _refill(self) -> None:
        now = self.clock()
        if self._tokens < 0:
            self._tokens, self._stamp = self.burst, now
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate_per_s)
        self._stamp = now

    async def acquire(self) -> None:
        """Wait for a token (callers are served one at a time, in arrival order)."""
        async with self._lock:
            self._refill()
            while self._tokens < 1.0 - _EPSILON:  # float sums of refills fall a hair short
                await self.sleep((1.0 - self._tokens) / self.rate_per_s)
                self._refill()
            self._tokens = max(0.0, self._tokens - 1.0)
