"""What authentication costs per request, in this process (``make bench``'s auth section).

One small app stands in for a service, guarded as every service is (``jkn_bus.guard``: the
app-wide ``authorize`` dependency, the real policy table): its one route is ``GET
/metrics`` with a constant answer, so the handler costs next to nothing and what differs
is the guard's work. Two guards serve it:

- **with a token**: the route's real policy (role city-operator); each request carries a
  token the local Keycloak issued to the ``prometheus`` client, checked by a real
  ``TokenVerifier`` against the realm's keys (fetched once, then cached): header parsing,
  RS256 signature, iss/aud/exp, claims, the caller's roles and pseudonymous actor id;
- **open**: the same route with ``metrics_public`` (``JKN_METRICS_PUBLIC=true``), whose
  policy takes no token, so the guard looks the policy up and lets the request through.

Both apps are called as an ASGI server calls them (one ``http`` scope per request, no
sockets, no HTTP client: httpx's ASGI transport alone costs more than the open route),
interleaved in rounds so that drift of the machine falls on both alike.
``TokenVerifier.verify`` alone is timed on the same token.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

import httpx
import jwt
from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from jkn_bus.auth import TokenVerifier
from jkn_bus.guard import Guard, authorize, install_error_answers
from jkn_devstack.identities import AUDIENCE
from jkn_devstack.tokens import default_issuer, fetch_token

__all__ = ["SCRAPER", "auth_cost"]

SCRAPER = "prometheus"  # the metrics scraper's client: role city-operator
_ROUNDS = 5
_WARM_UP = 50


def _app(verifier: TokenVerifier, *, metrics_public: bool) -> FastAPI:
    app = FastAPI(dependencies=[Depends(authorize)], docs_url=None, openapi_url=None)
    app.state.guard = Guard(
        "verification", verifier, actor_key="bench-pseudonym-key", metrics_public=metrics_public
    )
    install_error_answers(app, "verification")

    @app.get("/metrics", response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        return PlainTextResponse("jkn_bench 1\n")

    app.state.guard.check_routes(app)
    return app


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/metrics",
        "raw_path": b"/metrics",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"svc"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _get(app: FastAPI, headers: list[tuple[bytes, bytes]]) -> int:
    """GET /metrics of ``app`` as a server would call it; the answer's status."""
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(_scope(headers), receive, send)
    return status


async def _time(app: FastAPI, n: int, headers: list[tuple[bytes, bytes]]) -> float:
    """Seconds for ``n`` sequential GET /metrics, each answered 200 (else RuntimeError)."""
    started = time.perf_counter()
    for _ in range(n):
        if (status := await _get(app, headers)) != 200:
            raise RuntimeError(f"auth bench: GET /metrics answered {status}")
    return time.perf_counter() - started


async def auth_cost(
    requests: int = 5_000, verifications: int = 5_000, issuer: str | None = None
) -> dict[str, Any]:
    """Per-request cost of the guard with a real token vs the same route open (µs), their
    ratio, and ``TokenVerifier.verify`` alone (µs per token, keys cached)."""
    issuer = issuer or default_issuer()
    token = await fetch_token(SCRAPER, issuer)
    async with httpx.AsyncClient(timeout=10.0, trust_env=False) as idp:
        verifier = TokenVerifier(issuer, AUDIENCE, http=idp)
        started = time.perf_counter()
        await verifier.verify(token)  # discovery document and JWKS fetched, keys cached
        first_ms = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        for _ in range(verifications):
            await verifier.verify(token)
        verify_s = time.perf_counter() - started
        # the same token checked in full each time: a client's first call with a new token
        uncached = TokenVerifier(issuer, AUDIENCE, http=idp, verified_cache_size=0)
        await uncached.verify(token)
        started = time.perf_counter()
        for _ in range(verifications):
            await uncached.verify(token)
        full_s = time.perf_counter() - started

        bearer = [(b"authorization", f"Bearer {token}".encode())]
        guarded = _app(verifier, metrics_public=False)
        open_ = _app(verifier, metrics_public=True)
        # without a token: the open route answers, the guarded one refuses
        if (await _get(open_, []), await _get(guarded, [])) != (200, 401):
            raise RuntimeError("auth bench: the two guards do not differ as they should")
        await _time(guarded, _WARM_UP, bearer)
        await _time(open_, _WARM_UP, [])
        token_s = open_s = 0.0
        per_round = max(1, requests // _ROUNDS)
        for _ in range(_ROUNDS):
            open_s += await _time(open_, per_round, [])
            token_s += await _time(guarded, per_round, bearer)
    done = per_round * _ROUNDS
    token_us, open_us = token_s / done * 1e6, open_s / done * 1e6
    return {
        "requests": done,
        "token_us": round(token_us, 1),
        "open_us": round(open_us, 1),
        "extra_us": round(token_us - open_us, 1),
        "ratio": round(token_us / open_us, 2),
        "verifications": verifications,
        "verify_us": round(verify_s / verifications * 1e6, 1),
        "verify_full_us": round(full_s / verifications * 1e6, 1),
        "first_verify_ms": round(first_ms, 1),
        "algorithm": str(jwt.get_unverified_header(token).get("alg", "?")),
    }
