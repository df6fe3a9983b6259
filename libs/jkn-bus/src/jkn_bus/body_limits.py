"""Request body size limits: a pure-ASGI middleware in front of every service's routes.

A body over its limit is refused with 413 and ``{"error": "BODY_TOO_LARGE", "limit_bytes":
N}``, before the route sees it when ``Content-Length`` announces it, and as soon as a
streamed (chunked) body passes the limit otherwise: bytes are counted as they arrive,
nothing is buffered here. Once a body has passed its limit, whatever the application
answers is replaced by the 413 (if it has not started answering yet), so a handler that
catches errors broadly cannot turn it into a 500 or a 422.

Most clients send their whole body before they read an answer, and a server that closes
a connection with unread bytes resets it: the client would see a broken connection, not
the 413. So before answering, up to ``drain_bytes`` (1 MiB) more of the body are read and
dropped, never kept; a body larger still is cut off with the connection (clients sending
``Expect: 100-continue`` get the 413 before they send anything).

JSON endpoints share one limit (``BusSettings.http_max_body_bytes``, 64 KiB by default);
routes that take uploads (enrollment's CSV files) are given their own, larger limit by
exact path with :func:`set_route_limit`. The limit counts the raw body, multipart framing
included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "BodyLimitMiddleware",
    "BodyLimits",
    "install_body_limits",
    "set_route_limit",
]

DEFAULT_MAX_BODY_BYTES = 64 << 10
DEFAULT_DRAIN_BYTES = 1 << 20

BODIES_REFUSED = Counter(
    "jkn_http_bodies_refused_total",
    "Request bodies refused with 413 for being over their limit",
    ["limit"],
)


@dataclass
class BodyLimits:
    """The default limit and the per-path exceptions (exact paths, any method)."""

    default_bytes: int = DEFAULT_MAX_BODY_BYTES
    routes: dict[str, int] = field(default_factory=dict)
    drain_bytes: int = DEFAULT_DRAIN_BYTES

    def for_path(self, path: str) -> int:
        return self.routes.get(path, self.default_bytes)


class _TooLarge(Exception):  # an internal signal: it never leaves the middleware
    """Raised from ``receive`` once the body has passed its limit."""


class BodyLimitMiddleware:
    """Refuses request bodies over their limit (see the module doc)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, drain = self.limits.for_path(scope["path"]), self.limits.drain_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared - limit <= drain:
                await _drain(receive, declared)
            await _refuse(send, limit)
            return

        received = 0
        exceeded = False
        answered = False  # the application started its own answer (before any excess)
        refused = False  # our 413 is out

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    if message.get("more_body", False):
                        await _drain(receive, drain)
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered, refused
            if exceeded and not answered:
                # the body passed its limit: the 413 replaces the application's answer
                if not refused:
                    refused = True
                    await _refuse(send, limit)
                return
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _TooLarge:
            if answered:
                raise
        if exceeded and not answered and not refused:
            await _refuse(send, limit)


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of the body, up to ``budget`` bytes."""
    while budget >= 0:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _refuse(send: Send, limit: int) -> None:
    BODIES_REFUSED.labels(str(limit)).inc()
    body = json.dumps({"error": "BODY_TOO_LARGE", "limit_bytes": limit}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def install_body_limits(
    app: Starlette,
    default_bytes: int,
    routes: Mapping[str, int] | None = None,
    *,
    drain_bytes: int = DEFAULT_DRAIN_BYTES,
) -> BodyLimits:
    """Put the middleware in front of ``app``'s routes; per-path limits may be added later
    with :func:`set_route_limit` (until the first request builds the middleware stack and
    after: the middleware reads the same :class:`BodyLimits`)."""
    limits = BodyLimits(default_bytes, dict(routes or {}), drain_bytes)
    app.state.body_limits = limits
    app.add_middleware(BodyLimitMiddleware, limits=limits)
    return limits


def set_route_limit(app: Starlette, path: str, limit_bytes: int) -> None:
    """Give the route at exactly ``path`` its own body limit (an upload's, say)."""
    limits: Any = getattr(app.state, "body_limits", None)
    if not isinstance(limits, BodyLimits):
        raise RuntimeError("install_body_limits has not been called on this app")
    limits.routes[path] = limit_bytes
