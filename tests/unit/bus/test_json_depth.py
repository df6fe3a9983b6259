"""The JSON nesting limit (jkn_bus.json_depth): a body nested deeper than the limit is a 422
JSON_TOO_DEEP before any route reads it (it was a RecursionError, a 500); anything else
reaches the route unchanged; uploads are not inspected; the size limit still comes first.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI, Request
from hypothesis import given
from hypothesis import strategies as st
from jkn_bus.body_limits import install_body_limits, set_route_limit
from jkn_bus.json_depth import JsonDepthMiddleware, json_depth

LIMIT = 64 << 10
MAX_DEPTH = 32


def tiny_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(
        JsonDepthMiddleware,
        max_depth=MAX_DEPTH,
        skip=lambda path: path in app.state.body_limits.routes,
    )
    install_body_limits(app, LIMIT)
    set_route_limit(app, "/upload", 1 << 20)

    @app.post("/raw")
    async def raw(request: Request) -> Any:
        return {"echo": json.loads(await request.body())}  # as enrollment's POST /proposals

    @app.post("/typed")
    async def typed(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


async def post(path: str, content: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=tiny_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        return await http.post(path, content=content)


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_rejects_a_30000_deep_array_under_the_size_limit_with_422_json_too_deep() -> None:
    for path in ("/raw", "/typed"):
        answer = await post(path, nested(30_000))  # 60 KB: under the size limit

        assert answer.status_code == 422
        [error] = answer.json()["errors"]
        assert (error["field"], error["rule"]) == ("body", "JSON_TOO_DEEP")


async def test_a_body_at_the_limit_reaches_the_route_unchanged() -> None:
    body = b'{"a": "[[[[ not nesting \\" {{{{", "b": ' + nested(MAX_DEPTH - 1) + b"}"

    answer = await post("/raw", body)

    assert answer.status_code == 200
    assert answer.json() == {"echo": json.loads(body)}


async def test_one_level_more_than_the_limit_is_refused() -> None:
    assert (await post("/raw", nested(MAX_DEPTH))).status_code == 200
    assert (await post("/raw", nested(MAX_DEPTH + 1))).status_code == 422


async def test_an_upload_route_is_not_inspected_its_cells_may_hold_brackets() -> None:
    csv = b"nik,alamat\n1571010101700001," + b"[" * 100 + b"\n"

    answer = await post("/upload", csv)

    assert answer.json() == {"size": len(csv)}


async def test_a_deep_body_over_the_size_limit_is_a_413_first() -> None:
    answer = await post("/raw", nested(LIMIT))

    assert answer.status_code == 413
    assert answer.json()["error"] == "BODY_TOO_LARGE"


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(v) for v in value.values()), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet=st.sampled_from('[]{}"\\ab\n')),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet=st.sampled_from('[]{}"\\k')), inner, max_size=3)
    ),
    max_leaves=40,
)


@given(JSON_VALUES)
def test_the_depth_counted_is_the_depth_of_the_value_whatever_its_strings_hold(
    value: Any,
) -> None:
    for text in (json.dumps(value), json.dumps(value, indent=1, ensure_ascii=False)):
        assert json_depth(text.encode()) == depth_of(value)


@given(st.binary(max_size=512))
def test_any_bytes_get_a_depth_without_error(body: bytes) -> None:
    assert 0 <= json_depth(body, stop_above=MAX_DEPTH) <= len(body)
