"""JSON nesting limit: a pure-ASGI middleware that refuses deeply nested bodies.

Python's ``json.loads`` recurses once per ``[`` or ``{``: a body of 100,000 nested arrays
(well under the 64 KiB body limit) ends in ``RecursionError``, which no route expects, so it
was a 500. No request body of the bus nests more than a few levels, so before any route
reads it, a body nested deeper than ``max_depth`` (``BusSettings.http_max_json_depth``, 32)
is refused with 422 and ``{"errors": [{"field": "body", "rule": "JSON_TOO_DEEP", ...}]}``
(the form of every field error; the body is never quoted).

The check counts brackets outside string literals, without parsing: it costs one pass over
at most the body limit's bytes. Routes that read JSON do so whatever the ``Content-Type``
(``json.loads(await request.body())``), so every body is checked, except on the upload
routes (``skip``: CSV files, whose cells may hold brackets and which are read as CSV). The
body is buffered here (the body limit in front of this middleware bounds it) and handed
on unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_JSON_DEPTH", "JsonDepthMiddleware", "json_depth"]

DEFAULT_MAX_JSON_DEPTH = 32

BODIES_TOO_DEEP = Counter(
    "jkn_http_bodies_too_deep_total", "Request bodies refused with 422 for nesting too deep"
)

# what changes the nesting or the string state; everything else is skipped by the regex
_SPECIAL = re.compile(rb'["\\\[\]{}]')
_QUOTE, _BACKSLASH, _OPENING = ord('"'), ord("\\"), (ord("["), ord("{"))


def json_depth(body: bytes, *, stop_above: int | None = None) -> int:
    """How deep the brackets of ``body`` nest outside string literals (0 for a scalar);
    ``stop_above``: return as soon as the depth passes it (the answer is then that much).

    Not a validator: a body that is not JSON gets a number too, and the route refuses it
    as invalid JSON later. One pass (no backtracking regex: a string of escaped quotes
    costs no more than any other)."""
    depth = deepest = 0
    in_string, escaped_at = False, -1
    for match in _SPECIAL.finditer(body):
        at = match.start()
        char = body[at]
        if in_string:
            if at == escaped_at:
                continue  # the character after a backslash: \" or \\
            if char == _BACKSLASH:
                escaped_at = at + 1
            elif char == _QUOTE:
                in_string = False
        elif char == _QUOTE:
            in_string = True
        elif char in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        elif char != _BACKSLASH:
            depth = max(0, depth - 1)
    return deepest


class JsonDepthMiddleware:
    """Refuses request bodies nested deeper than ``max_depth`` (see the module doc)."""

    def __init__(
        self, app: ASGIApp, *, max_depth: int, skip: Callable[[str], bool] = lambda _: False
    ) -> None:
        self.app = app
        self.max_depth = max_depth
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.skip(scope["path"]):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_depth(body, stop_above=self.max_depth) > self.max_depth:
            await _refuse(send, self.max_depth)
            return
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` that hands out ``messages`` first, then waits on ``then`` (the client's
    disconnect), so the application sees the body it would have read itself."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive


async def _refuse(send: Send, limit: int) -> None:
    BODIES_TOO_DEEP.inc()
    error = {
        "field": "body",
        "rule": "JSON_TOO_DEEP",
        "message": f"The body nests deeper than {limit} levels. / "
        f"Isi permintaan bertingkat lebih dari {limit} lapis.",
    }
    body = json.dumps({"errors": [error]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
