"""A BPJS port that counts and times every call (``jkn_bpjs_calls_total``, ``..._seconds``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

from bpjs_bridging import BridgingDecryptError

from bpjs_gateway.adapters.bpjs_client import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsProtocolError,
    BpjsUnavailable,
)
from bpjs_gateway.app.ports import BpjsPort
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
        try:
            result = await call
        except BaseException as exc:
            BPJS_CALLS.labels(operation, outcome_of(exc)).inc()
            raise
        finally:
            BPJS_CALL_SECONDS.labels(operation).observe(time.perf_counter() - started)
        BPJS_CALLS.labels(operation, "not_found" if result is None else "ok").inc()
        return result

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        return await self._measure("peserta_by_nik", self._inner.peserta_by_nik(nik, on))

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        return await self._measure("peserta_by_card", self._inner.peserta_by_card(no_kartu, on))

    async def mutate(self, mutation: Mutation) -> MutationResult:
        return await self._measure(f"mutasi_{mutation.jenis.value}", self._inner.mutate(mutation))
