"""Access tokens of the demo identities, from the local Keycloak (scripts/keycloak.sh).

    token = await fetch_token("siti.dinsos")              # a fresh token, every call
    async with httpx.AsyncClient(auth=DevTokenAuth("rina.dinkes")) as http: ...
    with httpx.Client(auth=DevTokenAuth("dinsos-siks")) as http: ...   # sync works too

Users (``Kind.USER``) get theirs with the password grant through the public client
``jkn-cli`` (development only: production signs people in with the browser flow), systems
(``Kind.CLIENT``) with the client-credentials grant. The issuer is ``JKN_OIDC_ISSUER``, else
``http://127.0.0.1:$KEYCLOAK_PORT/realms/jkn`` (port 8180). From the shell:
``python -m jkn_devstack token siti.dinsos``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import os
import threading
import time
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from jkn_devstack.identities import CLI_CLIENT, REALM, Kind, identity

__all__ = [
    "REFRESH_MARGIN_S",
    "DevTokenAuth",
    "TokenError",
    "default_issuer",
    "fetch_token",
    "fetch_token_sync",
    "unverified_claims",
]

REFRESH_MARGIN_S = 60.0  # a cached token is replaced this long before it expires
_TIMEOUT = httpx.Timeout(10.0)


class TokenError(RuntimeError):
    """The identity provider refused to issue a token, or could not be reached."""


def default_issuer() -> str:
    """``JKN_OIDC_ISSUER``, else the local Keycloak's realm on ``KEYCLOAK_PORT`` (8180)."""
    if issuer := os.environ.get("JKN_OIDC_ISSUER"):
        return issuer.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8180')}/realms/{REALM}"


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT, *not verified*: for reading exp and for display only."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error) as exc:
        raise TokenError("not a JWT") from exc
    if not isinstance(claims, dict):
        raise TokenError("not a JWT: the payload is not an object")
    return claims


def _token_request(name: str, issuer: str) -> tuple[str, dict[str, str]]:
    who = identity(name)
    url = f"{issuer.rstrip('/')}/protocol/openid-connect/token"
    if who.kind is Kind.USER:
        form = {
            "grant_type": "password",
            "client_id": CLI_CLIENT,
            "username": who.name,
            "password": who.secret,
        }
    else:
        form = {
            "grant_type": "client_credentials",
            "client_id": who.name,
            "client_secret": who.secret,
        }
    return url, form


def _trust_env(issuer: str) -> bool:
    """No proxy (or other environment settings) for an issuer on this machine."""
    return urlsplit(issuer).hostname not in {"127.0.0.1", "localhost", "::1"}


def _access_token(name: str, response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        reason = body.get("error_description") or body.get("error") or response.text[:200]
        raise TokenError(f"{name}: no token from {response.url} ({response.status_code} {reason})")
    return str(body["access_token"])


async def fetch_token(name: str, issuer: str | None = None) -> str:
    """A fresh access token of the demo identity ``name`` (e.g. ``siti.dinsos``)."""
    issuer = issuer or default_issuer()
    url, form = _token_request(name, issuer)
    async with httpx.AsyncClient(timeout=_TIMEOUT, trust_env=_trust_env(issuer)) as http:
        try:
            response = await http.post(url, data=form)
        except httpx.HTTPError as exc:
            cause = type(exc).__name__
            raise TokenError(f"{name}: identity provider {issuer} unreachable: {cause}") from exc
    return _access_token(name, response)


def fetch_token_sync(name: str, issuer: str | None = None) -> str:
    """:func:`fetch_token` for synchronous code."""
    issuer = issuer or default_issuer()
    url, form = _token_request(name, issuer)
    with httpx.Client(timeout=_TIMEOUT, trust_env=_trust_env(issuer)) as http:
        try:
            response = http.post(url, data=form)
        except httpx.HTTPError as exc:
            cause = type(exc).__name__
            raise TokenError(f"{name}: identity provider {issuer} unreachable: {cause}") from exc
    return _access_token(name, response)


@dataclass(frozen=True)
class _Cached:
    value: str
    refresh_at: float  # wall clock (the token's exp is wall clock too)

    @classmethod
    def of(cls, token: str) -> _Cached:
        now = time.time()
        claims = unverified_claims(token)
        exp = float(claims.get("exp", now + REFRESH_MARGIN_S))
        iat = float(claims.get("iat", now))
        # A short-lived token (jkn-expiry-probe: 2 s) is renewed halfway through its life.
        return cls(token, exp - min(REFRESH_MARGIN_S, (exp - iat) / 2))

    def fresh(self) -> bool:
        return time.time() < self.refresh_at


class DevTokenAuth(httpx.Auth):
    """Bearer auth as a demo identity, for httpx sync and async clients alike.

    The access token is cached and fetched again ~60 s before its ``exp`` (halfway through
    a shorter life). A 401 answered to a cached token (Keycloak restarted with new keys,
    say) makes it fetch a new token and send the request once more.
    """

    requires_request_body = True  # so that a request can be sent again after a 401

    def __init__(self, name: str, issuer: str | None = None) -> None:
        identity(name)  # unknown names fail here, not at the first request
        self.name = name
        self.issuer = issuer or default_issuer()
        self._cached: _Cached | None = None
        self._lock = threading.Lock()
        self._async_lock: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    def _usable(self) -> str | None:
        cached = self._cached
        return cached.value if cached is not None and cached.fresh() else None

    def _keep(self, token: str) -> str:
        self._cached = _Cached.of(token)
        return token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            token = self._usable()
            was_cached = token is not None
            if token is None:
                token = self._keep(fetch_token_sync(self.name, self.issuer))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and was_cached:
            with self._lock:
                if self._usable() == token:
                    self._cached = None
                token = self._usable() or self._keep(fetch_token_sync(self.name, self.issuer))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    def _alock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._async_lock is None or self._async_lock[0] is not loop:
            self._async_lock = (loop, asyncio.Lock())
        return self._async_lock[1]

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        async with self._alock():
            token = self._usable()
            was_cached = token is not None
            if token is None:
                token = self._keep(await fetch_token(self.name, self.issuer))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and was_cached:
            async with self._alock():
                if self._usable() == token:
                    self._cached = None
                token = self._usable() or self._keep(await fetch_token(self.name, self.issuer))
            request.headers["Authorization"] = f"Bearer {token}"
            yield request
