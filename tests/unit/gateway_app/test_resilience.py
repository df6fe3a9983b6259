"""The gateway's circuit breaker, retry backoff and rate limit (pure, on an injected clock),
and the guarded BPJS port that applies them to every call."""

from __future__ import annotations

import logging
from datetime import date

import httpx
import pytest
from bpjs_bridging import BridgingDecryptError
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.app.guarded import GuardedBpjs, breakers
from bpjs_gateway.app.ports import BpjsAuthError, BpjsBusinessError, BpjsUnavailable
from bpjs_gateway.app.resilience import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    RateLimiter,
    backoff_s,
)
from bpjs_gateway.metrics import BREAKER_OPEN, BREAKER_TRANSITIONS
from unit.gateway_app.fakes import FakeBpjs

NIK = "1571015705800003"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def breaker(clock: Clock, changes: list[tuple[str, BreakerState, str]]) -> CircuitBreaker:
    return CircuitBreaker(
        "tambah",
        threshold=3,
        cooldown_s=30,
        clock=clock,
        on_change=lambda op, state, why: changes.append((op, state, why)),
    )


def test_a_breaker_opens_after_the_threshold_of_consecutive_failures_and_tells_it_once() -> None:
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    b.failed("unavailable")
    b.failed("unavailable")
    assert b.allows()
    b.failed("unavailable")
    b.failed("unavailable")

    assert not b.allows()
    assert b.state == "open"
    assert changes == [("tambah", "open", "unavailable")]


def test_a_success_between_failures_resets_the_count() -> None:
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    for _ in range(5):
        b.failed("unavailable")
        b.succeeded()
    assert b.state == "closed"
    assert changes == []


def test_after_the_cool_down_one_probe_goes_and_its_success_closes_the_breaker() -> None:
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    b.failed("BPJS_AUTH_REJECTED", trip=True)
    clock.now += 29
    assert not b.allows()
    assert b.ready_in_s() == pytest.approx(1)
    clock.now += 1

    assert b.allows()  # the probe
    assert not b.allows()  # others wait for its answer
    b.succeeded()

    assert b.allows()
    assert changes == [("tambah", "open", "BPJS_AUTH_REJECTED"), ("tambah", "closed", "answered")]


def test_a_failed_probe_opens_the_breaker_for_another_cool_down_without_a_second_alert() -> None:
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    b.failed("x", trip=True)
    clock.now += 30
    assert b.allows()
    b.failed("unavailable")

    assert not b.allows()
    assert b.ready_in_s() == pytest.approx(30)
    assert len(changes) == 1


def test_a_cancelled_probe_gives_its_slot_back() -> None:
    clock, changes = Clock(), []
    b = breaker(clock, changes)
    b.failed("x", trip=True)
    clock.now += 30
    assert b.allows()
    b.released()
    assert b.allows()


def test_backoff_grows_exponentially_up_to_the_cap_with_full_jitter() -> None:
    top = [backoff_s(n, base_s=1, max_s=60, rand=lambda: 0.999999) for n in range(1, 9)]
    assert [round(t) for t in top] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff_s(5, base_s=1, max_s=60, rand=lambda: 0.0) == 0.0
    assert backoff_s(5, base_s=1, max_s=60, rand=lambda: 0.5) == pytest.approx(8)


async def test_the_rate_limit_spaces_calls_after_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_s=20, burst=1, clock=clock, sleep=clock.sleep)
    started = clock.now
    for _ in range(11):
        await limiter.acquire()
    assert clock.now - started == pytest.approx(0.5)  # 10 waits of 1/20 s on the fake clock


async def test_rejected_credentials_open_the_breaker_at_once_with_an_error_naming_only_the_code(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    fake = FakeBpjs()
    guarded = GuardedBpjs(
        fake, breakers(5, 30, clock=clock), RateLimiter(1000, clock=clock, sleep=clock.sleep)
    )
    opened = BREAKER_TRANSITIONS.labels("lookup", "open")._value.get()
    fake.fail_next.append(BpjsAuthError(f"HTTP 403 for {NIK}"))

    with caplog.at_level(logging.WARNING), pytest.raises(BpjsAuthError):
        await guarded.peserta_by_nik(NIK, date(2025, 3, 10))
    with pytest.raises(CircuitOpenError):
        await guarded.peserta_by_nik(NIK, date(2025, 3, 10))

    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.getMessage() for r in errors] == ["BPJS lookup needs attention: BPJS_AUTH_REJECTED"]
    assert NIK not in caplog.text
    assert BREAKER_OPEN.labels("lookup")._value.get() == 1
    assert BREAKER_TRANSITIONS.labels("lookup", "open")._value.get() == opened + 1
    assert len(fake.calls) == 1  # the second call never reached BPJS

    clock.now += 30
    assert await guarded.peserta_by_nik(NIK, date(2025, 3, 10)) is None  # the probe
    assert BREAKER_OPEN.labels("lookup")._value.get() == 0


async def test_an_undecryptable_body_trips_the_breaker_and_refusals_do_not() -> None:
    clock = Clock()
    fake = FakeBpjs()
    guarded = GuardedBpjs(
        fake, breakers(2, 30, clock=clock), RateLimiter(1000, clock=clock, sleep=clock.sleep)
    )
    fake.seed(NIK, "13")
    for _ in range(3):
        fake.fail_next.append(BpjsBusinessError("201", "refused"))
        with pytest.raises(BpjsBusinessError):
            await guarded.peserta_by_nik(NIK, date(2025, 3, 10))
    assert guarded.breakers["lookup"].state == "closed"
    fake.fail_next.append(BpjsUnavailable("HTTP 500"))
    with pytest.raises(BpjsUnavailable):
        await guarded.peserta_by_nik(NIK, date(2025, 3, 10))
    assert guarded.breakers["lookup"].state == "closed"
    fake.fail_next.append(BridgingDecryptError("bad"))
    with pytest.raises(BridgingDecryptError):
        await guarded.peserta_by_nik(NIK, date(2025, 3, 10))
    assert guarded.breakers["lookup"].state == "open"
    assert guarded.breakers["tambah"].state == "closed"  # one breaker per operation


async def test_every_call_of_the_client_waits_for_its_cons_ids_rate_limit() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_s=4, burst=1, clock=clock, sleep=clock.sleep)
    forbidden = httpx.MockTransport(lambda _request: httpx.Response(403))
    client = BpjsClient("http://bpjs", "1234", "pwd", "key", transport=forbidden, limiter=limiter)
    started = clock.now
    async with client:
        for _ in range(3):
            with pytest.raises(BpjsAuthError):
                await client.peserta_by_nik(NIK, date(2025, 3, 10))
    assert clock.now - started == pytest.approx(0.5)  # two waits of 1/4 s
