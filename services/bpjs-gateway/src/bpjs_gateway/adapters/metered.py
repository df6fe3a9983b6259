"""A BPJS port that counts and times every call (``jkn_bpjs_calls_total``, ``..._seconds``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

from bpjs_bridging import BridgingDecryptError
from jkn_bus.telemetry import tracer
from opentelemetry import trace

from bpjs_gateway.app.ports import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsPort,
    BpjsProtocolError,
    BpjsUnavailable,
)
from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta
from bpjs_gateway.metrics import BPJS_CALL_SECONDS, BPJS_CALLS

__all__ = ["MeteredBpjs", "outcome_of"]

T = TypeVar("T")

_OUTCOMES: tuple[tuple[type[BaseException], str], ...] = (
    (BpjsBusinessError, "refused"),
    (BpjsUnavailable, "unavailable"),
    (BpjsAuthError, "auth_error"),
    (BridgingDecryptError, "decrypt_error"),
    (BpjsProtocolError, "protocol_error"),
    (asyncio.CancelledError, "cancelled"),
)


def outcome_of(exc: BaseException) -> str:
    """The outcome label of a failed call."""
    for kind, label in _OUTCOMES:
        if isinstance(exc, kind):
            return label
    return "error"


class MeteredBpjs:
    """Wraps a :class:`BpjsPort`; behaviour unchanged, every call measured."""

    def __init__(self, inner: BpjsPort) -> None:
        self._inner = inner

    async def _measure(self, operation: str, call: Awaitable[T]) -> T:
        started = time.perf_counter()
        # A CLIENT span per bridging call, inside the trace of the event being handled. Its
        # attributes name the operation and outcome only: URLs carry the NIK, so none here.
        with tracer("bpjs_gateway").start_as_current_span(
            f"BPJS {operation}",
            kind=trace.SpanKind.CLIENT,
            attributes={"peer.service": "bpjs-kesehatan", "jkn.bpjs.operation": operation},
        ) as span:
            try:
                result = await call
            except BaseException as exc:
                BPJS_CALLS.labels(operation, outcome_of(exc)).inc()
                span.set_attribute("jkn.bpjs.outcome", outcome_of(exc))
                raise
            finally:
                BPJS_CALL_SECONDS.labels(operation).observe(time.perf_counter() - started)
            outcome = "not_found" if result is None else "ok"
            span.set_attribute("jkn.bpjs.outcome", outcome)
        BPJS_CALLS.labels(operation, outcome).inc()
        return result

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        return await self._measure("peserta_by_nik", self._inner.peserta_by_nik(nik, on))

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        return await self._measure("peserta_by_card", self._inner.peserta_by_card(no_kartu, on))

    async def mutate(self, mutation: Mutation) -> MutationResult:
        return await self._measure(f"mutasi_{mutation.jenis.value}", self._inner.mutate(mutation))
