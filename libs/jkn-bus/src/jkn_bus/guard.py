"""Every route's authorization, enforced before its handler runs (jkn_contracts.access).

``create_app`` installs one ``Guard`` as a dependency of every route. For a route whose
policy wants a token, the guard answers 401 (no token, or one the issuer did not sign, or
expired) or 403 (a known caller without any of the route's roles) before the handler has
read anything, so neither answer says whether a resident exists. Handlers that act on an
agency's or a kelurahan's records check the caller's scope with ``Principal.require_*``.

Writes (any method but GET) are rate-limited per caller: per token subject, or per client
address on the routes residents use without a token.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from jkn_contracts.access import Authentication, Policy, Role, policy_for
from limits import parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from opentelemetry import trace
from prometheus_client import Counter
from starlette.routing import BaseRoute

from jkn_bus.auth import (
    Forbidden,
    IdentityProviderUnavailable,
    Principal,
    TokenVerifier,
    Unauthenticated,
    actor_id,
)

__all__ = [
    "Caller",
    "Guard",
    "RateLimited",
    "UnprotectedRouteError",
    "api_routes",
    "authorize",
    "install_error_answers",
]

REFUSALS = Counter(
    "jkn_http_refusals_total",
    "Requests refused before their handler: 401, 403, 429, by reason code",
    ["service", "status", "reason"],
)


class UnprotectedRouteError(RuntimeError):
    """A route with no entry in the policy table: the app is not built."""


class RateLimited(Exception):
    """Too many writes by one caller in the window."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__("RATE_LIMITED")
        self.retry_after_s = retry_after_s


class Guard:
    """Authentication, role check and write rate limit of one service's routes."""

    def __init__(
        self,
        service: str,
        verifier: TokenVerifier,
        *,
        actor_key: str,
        metrics_public: bool = False,
        write_limit: str = "300/minute",
    ) -> None:
        self.service = service
        self.verifier = verifier
        self._actor_key = actor_key
        self._metrics_public = metrics_public
        self._write_limit = parse(write_limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def policy(self, method: str, path: str) -> Policy | None:
        """The route's policy (``/metrics`` open when configured so)."""
        policy = policy_for(self.service, method, path)
        if policy is not None and self._metrics_public and (method, path) == ("GET", "/metrics"):
            return Policy(policy.why, {}, Authentication.NONE)
        return policy

    def check_routes(self, app: FastAPI) -> None:
        """Refuses to serve an app with a route the policy table does not name."""
        missing = [
            f"{method} {route.path}"
            for route in api_routes(app.router.routes)
            for method in sorted(route.methods or ())
            if self.policy(method, route.path) is None
        ]
        if missing:
            msg = f"{self.service}: routes without an authorization policy: {', '.join(missing)}"
            raise UnprotectedRouteError(msg)

    async def __call__(self, request: Request) -> Principal | None:
        route = request.scope["route"]
        policy = self.policy(request.method, route.path)
        if policy is None:  # check_routes makes this unreachable; never serve it open
            raise Forbidden("ROUTE_WITHOUT_POLICY")
        principal = None
        if policy.authentication is Authentication.TOKEN:
            principal = await self._principal(request, policy)
        request.state.principal = principal
        # A provider's webhook calls come from a few addresses and are already
        # authenticated by signature and deduplicated by message id: not limited here.
        if request.method != "GET" and policy.authentication is not Authentication.SIGNATURE:
            await self._count_write(request, principal)
        return principal

    async def _principal(self, request: Request, policy: Policy) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("TOKEN_MISSING")
        claims = await self.verifier.verify(token.strip())
        roles = frozenset(str(r) for r in claims.get("jkn_roles") or ())
        grants = {Role(r): s for r, s in policy.grants.items() if r.value in roles}
        username = str(
            claims.get("preferred_username") or claims.get("client_id") or claims.get("azp")
        )
        principal = Principal(
            subject=str(claims["sub"]),
            issuer=str(claims["iss"]),
            username=username,
            agency=str(claims.get("jkn_agency") or ""),
            kelurahan=str(claims["jkn_kelurahan"]) if claims.get("jkn_kelurahan") else None,
            roles=roles,
            is_system=claims.get("jkn_kind") == "system" or username.startswith("service-account-"),
            grants=grants,
            actor=actor_id(str(claims["iss"]), str(claims["sub"]), self._actor_key),
        )
        span = trace.get_current_span()
        span.set_attribute("jkn.actor", principal.actor)
        span.set_attribute("jkn.caller_agency", principal.agency)
        if not grants:
            raise Forbidden("ROLE_NOT_ALLOWED")
        return principal

    async def _count_write(self, request: Request, principal: Principal | None) -> None:
        client = request.client.host if request.client else "unknown"
        who = f"sub:{principal.subject}" if principal else f"ip:{client}"
        if not await self._limiter.hit(self._write_limit, self.service, who):
            stats = await self._limiter.get_window_stats(self._write_limit, self.service, who)
            raise RateLimited(max(1, int(stats.reset_time - time.time())))


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every API route, also those of included routers (recent FastAPI versions keep an
    included router as one entry that holds the original router)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from api_routes(included.routes)


async def authorize(request: Request) -> Principal | None:
    """The app-wide dependency: the caller of this request, checked against its route."""
    guard: Guard = request.app.state.guard
    return await guard(request)


def _caller(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # a handler of a tokenless route asked for a caller
        raise Unauthenticated("TOKEN_MISSING")
    return principal


Caller = Annotated[Principal, Depends(_caller)]
"""A handler parameter: the authenticated caller (their agency, kelurahan, actor id)."""


def install_error_answers(app: FastAPI, service: str) -> None:
    """401/403/429/503 answers with a reason code and nothing else."""

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        REFUSALS.labels(service, "401", exc.reason).inc()
        return JSONResponse(
            status_code=401,
            content={"error": "UNAUTHENTICATED", "reason": exc.reason},
            headers={"WWW-Authenticate": 'Bearer realm="jkn", error="invalid_token"'},
        )

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        REFUSALS.labels(service, "403", exc.reason).inc()
        return JSONResponse(status_code=403, content={"error": "FORBIDDEN", "reason": exc.reason})

    @app.exception_handler(RateLimited)
    async def _limited(_: Request, exc: RateLimited) -> JSONResponse:
        REFUSALS.labels(service, "429", "RATE_LIMITED").inc()
        return JSONResponse(
            status_code=429,
            content={"error": "RATE_LIMITED", "reason": "RATE_LIMITED"},
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @app.exception_handler(IdentityProviderUnavailable)
    async def _idp_down(_: Request, __: IdentityProviderUnavailable) -> JSONResponse:
        REFUSALS.labels(service, "503", "IDENTITY_PROVIDER_UNAVAILABLE").inc()
        return JSONResponse(
            status_code=503,
            content={"error": "UNAVAILABLE", "reason": "IDENTITY_PROVIDER_UNAVAILABLE"},
            headers={"Retry-After": "5"},
        )
