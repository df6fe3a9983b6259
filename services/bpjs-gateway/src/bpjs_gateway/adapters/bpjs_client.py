"""Async client of BPJS's VClaim look-ups and of the PBI APBD registration port.

Every call signs with a fresh ``X-timestamp`` and decrypts the answer with exactly
that string. Failures come out as one exception class per way to react (declared with the
port, ``app.ports``, so that the use cases catch them without importing this adapter):

- :class:`BpjsBusinessError`: BPJS refused the request (metaData code 201, ...): show it.
- :class:`BpjsAuthError`: HTTP 401/403, wrong credentials or clock: fix configuration.
- :class:`BpjsUnavailable`: 5xx, timeout, connection error, HTML or truncated body:
  transient, retry later (a ``jkn_bus.TransientError``, so consumers retry it).
- :class:`bpjs_bridging.BridgingDecryptError`: the response did not decrypt.
- :class:`BpjsProtocolError`: it decrypted, but is not the record we asked for.

No message carries a NIK: BPJS's own messages are scrubbed of 16-digit runs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import date
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from bpjs_bridging import BridgingDecryptError, decrypt_response, headers
from pydantic import BaseModel, ValidationError

from bpjs_gateway.adapters.bpjs_http import (
    AiohttpSender,
    HttpxSender,
    Reply,
    Sender,
    json_request,
)
from bpjs_gateway.app.ports import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsError,
    BpjsProtocolError,
    BpjsUnavailable,
)
from bpjs_gateway.app.resilience import RateLimiter
from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta

__all__ = [
    "BpjsAuthError",
    "BpjsBusinessError",
    "BpjsClient",
    "BpjsError",
    "BpjsProtocolError",
    "BpjsUnavailable",
    "BridgingDecryptError",
]

_Record = TypeVar("_Record", bound=BaseModel)


def _model(model: type[_Record], data: Any) -> _Record:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Field paths only: pydantic's own message would quote the personal data.
        where = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        raise BpjsProtocolError(f"unexpected {model.__name__} record at {where}") from None


class BpjsClient:
    """Signed, decrypting HTTP client of one BPJS consumer (cons_id) and user_key."""

    def __init__(
        self,
        base_url: str,
        cons_id: str,
        secret: str,
        user_key: str,
        *,
        vclaim_path: str = "/vclaim-rest",
        pemda_path: str = "/pemda-rest",
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        max_connections: int = 20,
        limiter: RateLimiter | None = None,
    ) -> None:
        """One keep-alive pool of ``max_connections`` for every call of the process (the
        intent worker's and the sync's), shared by all their tasks; ``limiter``: the rate
        limit of this cons-id, which every call waits for (none: unlimited);
        ``transport``: an httpx transport to send through instead of the network (an
        in-process simulator app: ``adapters.bpjs_http``)."""
        self._limiter = limiter
        self._cons_id, self._secret, self._user_key = cons_id, secret, user_key
        self._vclaim, self._pemda = vclaim_path.rstrip("/"), pemda_path.rstrip("/")
        # the sender's timeout bounds each connect and read; this one the whole call
        self._deadline_s = timeout
        self._clock = clock
        self._http: Sender = (
            AiohttpSender(base_url, timeout=timeout, max_connections=max_connections)
            if transport is None
            else HttpxSender(base_url, transport, timeout=timeout)
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        """The peserta with this NIK as of ``on``; ``None`` when BPJS does not know it."""
        if not (len(nik) == 16 and nik.isdigit()):
            raise ValueError("a NIK is 16 digits")
        return await self._peserta(f"{self._vclaim}/Peserta/nik/{nik}/tglSEP/{on.isoformat()}")

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        """The peserta holding this 13-digit card as of ``on``; ``None`` when unknown."""
        if not (len(no_kartu) == 13 and no_kartu.isdigit()):
            raise ValueError("a BPJS card number (noKartu) is 13 digits")
        path = f"{self._vclaim}/Peserta/nokartu/{no_kartu}/tglSEP/{on.isoformat()}"
        return await self._peserta(path)

    async def mutate(self, mutation: Mutation) -> MutationResult:
        """File a tambah/kurang/ubah; a refusal raises :class:`BpjsBusinessError`."""
        body = mutation.model_dump(mode="json", by_alias=True, exclude_none=True)
        return _model(MutationResult, await self._call("POST", f"{self._pemda}/mutasi", body))

    async def _peserta(self, path: str) -> Peserta | None:
        try:
            response = await self._call("GET", path)
        except BpjsBusinessError as exc:
            # VClaim reports an unknown participant as a business failure, not a 404.
            if "tidak ditemukan" in exc.message.lower():
                return None
            raise
        if not isinstance(response, dict) or "peserta" not in response:
            raise BpjsProtocolError("look-up response has no 'peserta'")
        return _model(Peserta, response["peserta"])

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._limiter is not None:
            await self._limiter.acquire()
        signed = headers(self._cons_id, self._secret, self._user_key, str(int(self._clock())))
        try:
            async with asyncio.timeout(self._deadline_s):
                reply = await self._http.send(method, path, *json_request(signed, body))
        except TimeoutError:
            raise BpjsUnavailable(f"BPJS did not answer within {self._deadline_s:g} s") from None
        return self._open_envelope(reply, signed["X-timestamp"])

    def _open_envelope(self, reply: Reply, ts: str) -> Any:
        if reply.status in (401, 403):
            raise BpjsAuthError(f"BPJS rejected the credentials (HTTP {reply.status})")
        if reply.status != 200:
            raise BpjsUnavailable(f"BPJS answered HTTP {reply.status}")
        try:
            envelope = json.loads(reply.content)
        except ValueError:  # an HTML error page, a truncated body
            raise BpjsUnavailable(f"BPJS answered a non-JSON body ({reply.content_type})") from None
        meta = (
            envelope.get("metaData") or envelope.get("metadata")
            if isinstance(envelope, dict)
            else None
        )
        if not isinstance(meta, dict) or "code" not in meta:
            raise BpjsUnavailable("BPJS answered JSON without a metaData envelope")
        code = str(meta["code"])
        if code != "200":
            raise BpjsBusinessError(code, str(meta.get("message", "")))
        encrypted = envelope.get("response")
        if not isinstance(encrypted, str) or not encrypted:
            raise BridgingDecryptError("success envelope without an encrypted response")
        return decrypt_response(encrypted, self._cons_id, self._secret, ts)
