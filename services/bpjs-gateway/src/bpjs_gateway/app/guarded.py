"""The BPJS port as the intent worker uses it: every call passes its operation's circuit
breaker (``app.resilience``) and, when given one, waits for a rate limit (the production
client waits for its cons-id's own, shared with the sync: ``BpjsClient(limiter=...)``).

An answer, even a refusal or a not-found, is a success for the breaker (BPJS is up); an
unavailable BPJS is a failure; rejected credentials (HTTP 401/403) and a body that does not
decrypt open the breaker at once and raise an ERROR alert naming the code only: retrying
them blindly would only hammer BPJS until someone fixes the configuration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from bpjs_bridging import BridgingDecryptError

from bpjs_gateway.app.ports import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsPort,
    BpjsProtocolError,
    BpjsUnavailable,
)
from bpjs_gateway.app.resilience import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    RateLimiter,
)
from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta
from bpjs_gateway.metrics import BREAKER_OPEN, BREAKER_TRANSITIONS

__all__ = ["OPERATIONS", "GuardedBpjs", "breakers", "log_breaker_change"]

log = logging.getLogger(__name__)

OPERATIONS = ("tambah", "kurang", "lookup")
T = TypeVar("T")

# alert codes of failures that need a person (never the exception's text)
_ALERTS: tuple[tuple[type[BaseException], str], ...] = (
    (BpjsAuthError, "BPJS_AUTH_REJECTED"),
    (BridgingDecryptError, "BPJS_DECRYPT_FAILED"),
)


def log_breaker_change(operation: str, state: BreakerState, reason: str) -> None:
    """One warning line and the gauge, when a breaker opens or closes."""
    BREAKER_OPEN.labels(operation).set(0 if state == "closed" else 1)
    BREAKER_TRANSITIONS.labels(operation, state).inc()
    log.warning("BPJS %s circuit breaker %s (%s)", operation, state, reason)


def breakers(
    threshold: int, cooldown_s: float, clock: Callable[[], float] | None = None
) -> dict[str, CircuitBreaker]:
    """One breaker per operation, reporting changes with :func:`log_breaker_change`."""
    return {
        op: CircuitBreaker(
            op,
            threshold=threshold,
            cooldown_s=cooldown_s,
            clock=clock or time.monotonic,
            on_change=log_breaker_change,
        )
        for op in OPERATIONS
    }


class GuardedBpjs:
    """A :class:`BpjsPort` behind the ``breakers`` of its operations (and ``limiter``)."""

    def __init__(
        self,
        inner: BpjsPort,
        breakers: dict[str, CircuitBreaker],
        limiter: RateLimiter | None = None,
    ) -> None:
        self._inner = inner
        self.breakers = breakers
        self._limiter = limiter

    async def _guard(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        breaker = self.breakers[operation]
        if not breaker.allows():
            raise CircuitOpenError(operation)
        if self._limiter is not None:
            await self._limiter.acquire()
        try:
            result = await call()
        except BpjsUnavailable:
            breaker.failed("unavailable")
            raise
        except (BpjsAuthError, BridgingDecryptError) as exc:
            code = next(c for kind, c in _ALERTS if isinstance(exc, kind))
            log.error("BPJS %s needs attention: %s", operation, code)
            breaker.failed(code, trip=True)
            raise
        except (BpjsBusinessError, BpjsProtocolError):
            breaker.succeeded()  # an answer, if not the one hoped for: BPJS is up
            raise
        except BaseException:
            breaker.released()  # cancelled, or a defect of ours: BPJS was not judged
            raise
        breaker.succeeded()
        return result

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        return await self._guard("lookup", lambda: self._inner.peserta_by_nik(nik, on))

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        return await self._guard("lookup", lambda: self._inner.peserta_by_card(no_kartu, on))

    async def mutate(self, mutation: Mutation) -> MutationResult:
        return await self._guard(mutation.jenis.value, lambda: self._inner.mutate(mutation))
