"""How the BPJS client's requests travel: over the network (aiohttp), or through an httpx
transport handed in (an in-process simulator app in the unit tests).

aiohttp, because under the gateway's load httpx's own connection pool was most of what a
BPJS call cost the gateway: 32 calls in flight to one host, httpx 0.28 spent 2.7-2.8 ms of
CPU per call and aiohttp 0.12-0.21 ms (README, "Where the time goes"). Both
senders answer the same :class:`Reply`, raise ``TimeoutError`` for a read or connect
that took too long and :class:`BpjsUnavailable` for any other transport failure, so the
client above them has one code path.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import httpx

from bpjs_gateway.app.ports import BpjsUnavailable

__all__ = ["AiohttpSender", "HttpxSender", "Reply", "Sender", "json_request"]

_NIK_LIKE = re.compile(r"\d{16}")
_KEEPALIVE_S = 4.0


@dataclass(frozen=True, slots=True)
class Reply:
    """What BPJS answered: the HTTP status, its content type and the whole body."""

    status: int
    content_type: str
    content: bytes


class Sender(Protocol):
    """Sends one request and reads its whole answer. A connect or read past the
    sender's timeout raises ``TimeoutError``; other transport failures (refused, reset,
    unreadable) :class:`BpjsUnavailable`. The whole call's deadline is the caller's."""

    async def send(
        self, method: str, path: str, headers: dict[str, str], content: bytes | None
    ) -> Reply: ...

    async def aclose(self) -> None: ...


def json_request(headers: dict[str, str], body: Any) -> tuple[dict[str, str], bytes | None]:
    """The headers and the content of a request with ``body`` as JSON (None: no body),
    as compact as httpx's ``json=``; BPJS signs the headers, not the body."""
    if body is None:
        return headers, None
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return {**headers, "Content-Type": "application/json"}, content


class AiohttpSender:
    """A keep-alive pool of at most ``max_connections`` to ``base_url``, opened on the
    first request (an aiohttp session belongs to the event loop it was made in)."""

    def __init__(self, base_url: str, *, timeout: float, max_connections: int) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # an idle connection is dropped after 4 s, before a server's own keep-alive
            # timeout closes it under a request (uvicorn's is 5 s, httpx kept them 5 s too)
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, keepalive_timeout=_KEEPALIVE_S
            )
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def send(
        self, method: str, path: str, headers: dict[str, str], content: bytes | None
    ) -> Reply:
        try:
            async with self._open().request(
                method, self._base + path, headers=headers, data=content
            ) as response:
                content = await response.read()
                kind = response.headers.get("Content-Type", "unknown")
                return Reply(response.status, kind, content)
        except TimeoutError:  # aiohttp's ServerTimeoutError is one, and a ClientError too
            raise
        except aiohttp.ClientError as exc:
            # only the class: aiohttp's text names the URL, and a look-up's path has a NIK
            raise BpjsUnavailable(f"cannot reach BPJS: {type(exc).__name__}") from None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _RedactNiks(logging.Filter):
    """Masks 16-digit runs in records of the ``httpx`` logger: httpx logs every request
    URL at INFO, and VClaim puts the NIK in the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _NIK_LIKE.search(message):
            record.msg, record.args = _NIK_LIKE.sub("<NIK>", message), None
        return True


def _install_nik_redaction() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactNiks) for f in httpx_logger.filters):
        httpx_logger.addFilter(_RedactNiks())


class HttpxSender:
    """Requests through an httpx ``transport`` (``httpx.ASGITransport`` of a simulator
    app, a ``MockTransport``) instead of the network."""

    def __init__(
        self, base_url: str, transport: httpx.AsyncBaseTransport, *, timeout: float
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        _install_nik_redaction()

    async def send(
        self, method: str, path: str, headers: dict[str, str], content: bytes | None
    ) -> Reply:
        try:
            reply = await self._http.request(method, path, headers=headers, content=content)
        except httpx.TimeoutException as exc:
            raise TimeoutError from exc
        except httpx.TransportError as exc:
            raise BpjsUnavailable(f"cannot reach BPJS: {type(exc).__name__}") from None
        return Reply(reply.status_code, reply.headers.get("content-type", "unknown"), reply.content)

    async def aclose(self) -> None:
        await self._http.aclose()
