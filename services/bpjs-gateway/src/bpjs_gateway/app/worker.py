"""The intent worker: carries out the calls to BPJS the handlers recorded (README, Intents).

A loop claims due intents (each participant's oldest open one only, so a resident's calls
run one at a time and in the order recorded; ``IntentQueue.claim``), at most
``max_in_flight`` at a time, and carries each out as its own task: read what the call needs,
call BPJS with no transaction open, record the outcome and the event in a new transaction
(``app.registration``, ``app.deactivation``, ``app.lookup``). A failed attempt goes back to
pending, due after an exponential backoff with full jitter; a mutation whose call may have
reached BPJS is marked ``outcome_unknown`` and its next attempt looks BPJS up before filing
anything again. An operation whose circuit breaker is open is not claimed: its intents stay
pending and drain, at the configured rate, once BPJS answers the probe again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from jkn_bus.telemetry import PARTICIPANT_ATTR, context_from_headers, tracer

from bpjs_gateway.app.common import settle
from bpjs_gateway.app.deactivation import file_kurang
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.lookup import look_up
from bpjs_gateway.app.ports import BpjsAuthError, Intent, IntentQueue
from bpjs_gateway.app.registration import file_tambah
from bpjs_gateway.app.resilience import CircuitBreaker, CircuitOpenError, backoff_s
from bpjs_gateway.metrics import INTENTS

__all__ = ["EXECUTORS", "IntentWorker", "attempt"]

log = logging.getLogger(__name__)

Executor = Callable[[Intent, Dependencies, IntentQueue], Awaitable[str]]
EXECUTORS: dict[str, Executor] = {"tambah": file_tambah, "kurang": file_kurang, "lookup": look_up}

# a call that certainly did not reach BPJS's registration port (refused at the door)
_NOT_SENT = (CircuitOpenError, BpjsAuthError)
_WAIT_FOR_PROBE_S = 1.0


async def attempt(
    intent: Intent,
    deps: Dependencies,
    queue: IntentQueue,
    *,
    retry_base_s: float,
    retry_max_s: float,
    breakers: dict[str, CircuitBreaker] | None = None,
) -> str:
    """One attempt at ``intent``; a failure puts it back (``retry``). Returns the outcome:
    the executor's, ``waiting`` (its breaker is open: not an attempt) or ``retry``."""
    # continue the trace of the event that recorded the intent: one trace per journey
    with tracer("bpjs_gateway").start_as_current_span(
        f"intent {intent.operation}",
        context=context_from_headers(intent.trace),
        attributes={PARTICIPANT_ATTR: intent.participant_id, "jkn.bpjs.attempt": intent.attempts},
    ):
        outcome = await _attempt(
            intent,
            deps,
            queue,
            retry_base_s=retry_base_s,
            retry_max_s=retry_max_s,
            breakers=breakers,
        )
    INTENTS.labels(intent.operation, outcome).inc()
    return outcome


async def _attempt(
    intent: Intent,
    deps: Dependencies,
    queue: IntentQueue,
    *,
    retry_base_s: float,
    retry_max_s: float,
    breakers: dict[str, CircuitBreaker] | None,
) -> str:
    try:
        if intent.cause is None:  # the resident's key is destroyed: nothing to carry out
            return await settle(queue, intent, "erased")
        outcome = await EXECUTORS[intent.operation](intent, deps, queue)
    except CircuitOpenError as exc:
        breaker = (breakers or {}).get(exc.operation)
        delay = max(breaker.ready_in_s() if breaker else 0.0, _WAIT_FOR_PROBE_S)
        await queue.retry(intent, delay_s=delay, unknown=False, error="CircuitOpen", counted=False)
        outcome = "waiting"
    except Exception as exc:
        unknown = intent.operation != "lookup" and not isinstance(exc, _NOT_SENT)
        delay = backoff_s(intent.attempts, base_s=retry_base_s, max_s=retry_max_s)
        # the class only: exception texts are BPJS's and might quote personal data
        log.warning(
            "BPJS %s attempt %d failed (%s)%s; retry in %.1fs",
            intent.operation,
            intent.attempts,
            type(exc).__name__,
            "; outcome unknown, BPJS is looked at first" if unknown else "",
            delay,
            extra={"participant_id": intent.participant_id},
        )
        await queue.retry(
            intent, delay_s=delay, unknown=unknown, error=type(exc).__name__, counted=True
        )
        outcome = "retry"
    return outcome


class IntentWorker:
    """Claims and carries out intents until cancelled."""

    def __init__(
        self,
        queue: IntentQueue,
        deps: Dependencies,
        breakers: dict[str, CircuitBreaker],
        *,
        max_in_flight: int = 8,
        retry_base_s: float = 1.0,
        retry_max_s: float = 300.0,
        poll_interval_s: float = 1.0,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._queue = queue
        self._deps = deps
        self._breakers = breakers
        self._max = max_in_flight
        self._base_s, self._max_s = retry_base_s, retry_max_s
        self._poll_s = poll_interval_s
        self._wake = wake or asyncio.Event()
        self._running: dict[asyncio.Task[str], str] = {}

    def wake(self) -> None:
        """Claim now (an intent was recorded, one finished)."""
        self._wake.set()

    async def _claim(self) -> list[Intent]:
        free = self._max - len(self._running)
        busy = set(self._running.values())
        closed = [op for op, b in self._breakers.items() if b.state == "closed"]
        intents = await self._queue.claim(closed, free, busy=busy) if free > 0 else []
        for op, breaker in self._breakers.items():
            # an open breaker past its cool-down: one intent, for the probe
            if breaker.state != "closed" and breaker.ready_in_s() == 0 and free > len(intents):
                intents += await self._queue.claim([op], 1, busy=busy)
        return intents

    def wake_on_notify(self, *_: object) -> None:
        """An asyncpg listener of the intents' NOTIFY."""
        self._wake.set()

    def _done(self, task: asyncio.Task[str]) -> None:
        self._running.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("intent task failed (%s)", type(task.exception()).__name__)
        self._wake.set()

    async def run(self) -> None:
        """Claim and carry out until cancelled; a failing claim (the database) is logged
        by its class and tried again a poll later."""
        try:
            while True:
                self._wake.clear()
                try:
                    claimed = await self._claim()
                except Exception as exc:
                    log.warning("claiming BPJS intents failed (%s)", type(exc).__name__)
                    claimed = []
                for intent in claimed:
                    task = asyncio.create_task(
                        attempt(
                            intent,
                            self._deps,
                            self._queue,
                            retry_base_s=self._base_s,
                            retry_max_s=self._max_s,
                            breakers=self._breakers,
                        ),
                        name=f"bpjs-intent-{intent.id}",
                    )
                    self._running[task] = intent.participant_id
                    task.add_done_callback(self._done)
                if claimed and len(self._running) < self._max:
                    continue  # there may be more due
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_s)
        finally:
            # in-flight intents stay in flight: their lease runs out and they are resolved
            # by a look-up, as after a crash
            for task in list(self._running):
                task.cancel()
            await asyncio.gather(*self._running, return_exceptions=True)
