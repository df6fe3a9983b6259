"""The body-size middleware (jkn_bus.body_limits) on a tiny app: announced and streamed
bodies over their limit get 413 BODY_TOO_LARGE, an upload route has its own limit, and a
client that sends its whole body first still reads the 413 (a real server, loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from jkn_bus.body_limits import install_body_limits, set_route_limit

LIMIT = 1024
UPLOAD_LIMIT = 16 * 1024
DRAIN = 4096


class Seen:
    calls = 0
    bytes_read = 0


def tiny_app(seen: Seen) -> FastAPI:
    app = FastAPI()
    install_body_limits(app, LIMIT, drain_bytes=DRAIN)
    set_route_limit(app, "/upload", UPLOAD_LIMIT)

    @app.post("/json")
    async def json_body(body: dict[str, Any]) -> dict[str, int]:
        seen.calls += 1
        return {"keys": len(body)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        seen.calls += 1
        async for block in request.stream():
            seen.bytes_read += len(block)
        return {"read": seen.bytes_read}

    @app.post("/swallows")
    async def swallows(request: Request) -> dict[str, str]:
        try:
            await request.body()
        except Exception:  # the point: a handler that hides every error
            return {"status": "fine, apparently"}
        return {"status": "read"}

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for block in request.stream():
            size += len(block)
        return {"size": size}

    return app


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def client(seen: Seen) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=tiny_app(seen))
    async with httpx.AsyncClient(transport=transport, base_url="http://tiny") as c:
        yield c


class Chunks:
    """A chunked body (no Content-Length) that counts how much of it was pulled."""

    def __init__(self, chunks: int, size: int = 256) -> None:
        self.chunks, self.size, self.pulled = chunks, size, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.pulled += 1
            yield b"x" * self.size


TOO_LARGE = {"error": "BODY_TOO_LARGE", "limit_bytes": LIMIT}


async def test_a_body_within_the_limit_passes(client: httpx.AsyncClient, seen: Seen) -> None:
    reply = await client.post("/json", json={"a": 1, "b": "x" * 100})
    assert (reply.status_code, reply.json()) == (200, {"keys": 2})
    assert seen.calls == 1


async def test_an_announced_length_over_the_limit_is_refused_before_the_route(
    client: httpx.AsyncClient, seen: Seen
) -> None:
    reply = await client.post("/json", json={"a": "x" * LIMIT})

    assert reply.status_code == 413
    assert reply.json() == TOO_LARGE
    assert seen.calls == 0


async def test_a_body_of_exactly_the_limit_passes(client: httpx.AsyncClient) -> None:
    reply = await client.post("/raw", content=b"x" * LIMIT)
    assert (reply.status_code, reply.json()) == (200, {"read": LIMIT})


async def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(
    client: httpx.AsyncClient, seen: Seen
) -> None:
    body = Chunks(chunks=1000)  # 256 kB announced by nobody: chunked

    reply = await client.post("/raw", content=body)

    assert reply.status_code == 413
    assert reply.json() == TOO_LARGE
    assert seen.bytes_read <= LIMIT  # the route never got the chunk that passed the limit
    assert body.pulled <= (LIMIT + DRAIN) // body.size + 2  # the rest was never even read


async def test_a_body_a_little_over_is_read_to_its_end_and_dropped_before_the_413(
    client: httpx.AsyncClient, seen: Seen
) -> None:
    body = Chunks(chunks=(LIMIT + DRAIN) // 256)

    reply = await client.post("/raw", content=body)

    assert reply.status_code == 413
    assert body.pulled == body.chunks  # drained: the client is not cut off mid-sending
    assert seen.bytes_read <= LIMIT


async def test_a_streamed_json_body_over_the_limit_is_413_not_the_framework_s_400(
    client: httpx.AsyncClient, seen: Seen
) -> None:
    reply = await client.post(
        "/json", content=Chunks(chunks=10), headers={"content-type": "application/json"}
    )
    assert reply.status_code == 413
    assert reply.json() == TOO_LARGE
    assert seen.calls == 0


async def test_a_handler_that_swallows_errors_cannot_hide_the_refusal(
    client: httpx.AsyncClient,
) -> None:
    reply = await client.post("/swallows", content=Chunks(chunks=10))
    assert reply.status_code == 413
    assert reply.json() == TOO_LARGE


async def test_an_upload_route_has_its_own_larger_limit(client: httpx.AsyncClient) -> None:
    fits = await client.post("/upload", content=Chunks(chunks=UPLOAD_LIMIT // 256))
    announced = await client.post("/upload", content=b"x" * (UPLOAD_LIMIT + 1))
    streamed = await client.post("/upload", content=Chunks(chunks=UPLOAD_LIMIT // 256 + 1))
    elsewhere = await client.post("/raw", content=Chunks(chunks=UPLOAD_LIMIT // 256))

    assert (fits.status_code, fits.json()) == (200, {"size": UPLOAD_LIMIT})
    assert announced.status_code == streamed.status_code == 413
    assert announced.json() == streamed.json() == {**TOO_LARGE, "limit_bytes": UPLOAD_LIMIT}
    assert elsewhere.status_code == 413


async def test_a_get_without_a_body_is_untouched(client: httpx.AsyncClient) -> None:
    assert (await client.get("/openapi.json")).status_code == 200


def test_route_limits_need_the_middleware() -> None:
    with pytest.raises(RuntimeError):
        set_route_limit(FastAPI(), "/upload", 1)


@pytest.fixture
async def served(seen: Seen) -> AsyncIterator[str]:
    """The tiny app behind a real uvicorn on a loopback port."""
    server = uvicorn.Server(
        uvicorn.Config(tiny_app(seen), host="127.0.0.1", port=0, log_level="critical")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn says it started by a flag only
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_a_client_that_sends_everything_first_reads_the_413_from_a_real_server(
    served: str,
) -> None:
    async with httpx.AsyncClient(base_url=served) as c:
        chunked = await c.post("/raw", content=Chunks(chunks=16))  # 4 kB, no length
        announced = await c.post("/raw", content=b"x" * 3000)
        fine = await c.post("/upload", content=b"x" * 10)

    assert (chunked.status_code, chunked.json()) == (413, TOO_LARGE)
    assert (announced.status_code, announced.json()) == (413, TOO_LARGE)
    assert (fine.status_code, fine.json()) == (200, {"size": 10})  # and the server lives on
