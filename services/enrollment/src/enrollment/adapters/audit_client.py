"""The audit trail of one resident, read from the audit service (it owns the trail).

Enrollment answers a resident's access request with every decision about them, and those
are the audit service's to serve (``GET /participants/{id}/history``). Enrollment calls it
as itself: the OAuth 2.0 client-credentials grant of its own client at the city's identity
provider (``ENROLLMENT_OIDC_CLIENT_ID``, default ``enrollment``; secret
``ENROLLMENT_OIDC_CLIENT_SECRET``, a development default refused outside ``JKN_ENV=dev``),
whose only role, ``resident-access``, is granted on that route alone
(``jkn_contracts.access``). The token endpoint is ``ENROLLMENT_OIDC_TOKEN_URL``, else the
one the issuer's discovery document names (``JKN_OIDC_ISSUER``). The audit service is at
``ENROLLMENT_AUDIT_URL`` (default ``http://127.0.0.1:$AUDIT_HTTP_PORT``, 8005). All of them
are read once, into ``enrollment.settings.EnrollmentSettings``.

A token is kept until shortly before it expires (as ``entrypoints.cli_auth`` does for the
import CLI, here without blocking the event loop) and fetched again once when the audit
service answers 401. Anything else than a complete history is :class:`AuditUnavailable`
with a code: the access request is then refused as a whole (never a partial answer).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from enrollment.app.resident_ports import AuditFact, AuditUnavailable
from enrollment.settings import (
    AUDIT_URL_ENV,
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    DEV_CLIENT_SECRET,
    TOKEN_URL_ENV,
    EnrollmentSettings,
)

__all__ = [
    "AUDIT_URL_ENV",
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "DEV_CLIENT_SECRET",
    "TOKEN_URL_ENV",
    "AuditFact",
    "AuditTrail",
    "AuditUnavailable",
    "ServiceToken",
    "audit_trail",
]

REFRESH_MARGIN_S = 60.0  # a token is renewed this long before it expires (or at half-life)
_TIMEOUT = httpx.Timeout(10.0)


@dataclass(frozen=True)
class _Held:
    token: str
    renew_at: float  # on ``clock``


class ServiceToken(httpx.Auth):
    """Enrollment's own bearer token (client-credentials grant, ``client_secret_basic``),
    kept until ``REFRESH_MARGIN_S`` before its ``expires_in`` ends; one fetch at a time."""

    def __init__(
        self,
        token_url: Callable[[], Awaitable[str]],
        client_id: str,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url  # async: the URL, discovered on first use
        self.client_id = client_id
        self._secret = secret
        self._transport = transport
        self._clock = clock
        self._held: _Held | None = None
        self._lock = asyncio.Lock()
        self.fetches = 0  # tokens issued to this process (tests: the cache is used)

    def __repr__(self) -> str:
        return f"ServiceToken(client_id={self.client_id!r})"

    async def token(self) -> str:
        """A token valid for a while yet: the one held, or a new one."""
        async with self._lock:
            held = self._held
            if held is None or self._clock() >= held.renew_at:
                held = self._held = await self._fetch()
            return held.token

    async def forget(self, token: str) -> None:
        """Drop ``token`` (refused): the next request fetches another."""
        async with self._lock:
            if self._held is not None and self._held.token == token:
                self._held = None

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        msg = "ServiceToken is for httpx.AsyncClient"
        raise RuntimeError(msg)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:  # keys rotated, token revoked: once more, fresh
            await self.forget(token)
            request.headers["Authorization"] = f"Bearer {await self.token()}"
            yield request

    async def _fetch(self) -> _Held:
        basic = httpx.BasicAuth(quote(self.client_id, safe=""), quote(self._secret, safe=""))
        asked = self._clock()
        try:
            url = await self._token_url()
            async with httpx.AsyncClient(timeout=_TIMEOUT, transport=self._transport) as http:
                response = await http.post(
                    url, data={"grant_type": "client_credentials"}, auth=basic
                )
            body = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError, KeyError):
            raise AuditUnavailable("TOKEN_UNAVAILABLE") from None
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise AuditUnavailable("TOKEN_UNAVAILABLE")
        self.fetches += 1
        lifetime = float(body.get("expires_in") or 300)
        renew_at = asked + lifetime - min(REFRESH_MARGIN_S, lifetime / 2)
        return _Held(body["access_token"], renew_at)


class AuditTrail:
    """The audit service's history route, called with enrollment's own token."""

    def __init__(
        self,
        base_url: str,
        auth: ServiceToken,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), auth=auth, timeout=_TIMEOUT, transport=transport
        )
        self.auth = auth

    async def history(self, participant_id: str) -> list[AuditFact]:
        """Every fact about the resident, in the order they happened (none: ``[]``);
        :class:`AuditUnavailable` unless the whole history came back."""
        try:
            response = await self._http.get(f"/participants/{participant_id}/history")
        except httpx.HTTPError:
            raise AuditUnavailable("AUDIT_UNREACHABLE") from None
        if response.status_code == 404:  # nothing recorded (yet) about this participant
            return []
        if response.status_code in {401, 403}:
            raise AuditUnavailable("AUDIT_REFUSED")
        if response.status_code != 200:
            raise AuditUnavailable("AUDIT_FAILED")
        try:
            events = response.json()["events"]
            return [_fact(e) for e in events]
        except (ValueError, KeyError, TypeError):
            raise AuditUnavailable("AUDIT_FAILED") from None

    async def aclose(self) -> None:
        await self._http.aclose()


def _fact(event: dict[str, Any]) -> AuditFact:
    actor = event["actor"] or {}
    return AuditFact(
        when=str(event["when"]),
        agency=str(event["who"]),
        event_type=str(event["what"]),
        decision=event["decision"],
        reasons=tuple(str(r) for r in event["why"]),
        actor_agency=actor.get("agency"),
        actor_kind=actor.get("kind"),
    )


def _discovered_token_url(issuer: str, configured: str | None) -> Callable[[], Awaitable[str]]:
    """The token endpoint: ``configured`` (``ENROLLMENT_OIDC_TOKEN_URL``), else the issuer's
    discovery document's ``token_endpoint`` (fetched once, when the first token is needed)."""
    found: list[str] = [configured] if configured else []

    async def token_url() -> str:
        if not found:
            async with httpx.AsyncClient(timeout=_TIMEOUT) as http:
                answer = await http.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
                answer.raise_for_status()
                found.append(str(answer.json()["token_endpoint"]))
        return found[0]

    return token_url


def audit_trail(issuer: str, settings: EnrollmentSettings) -> AuditTrail:
    """The audit client as ``settings`` configure it (module doc), for the issuer the
    service trusts."""
    auth = ServiceToken(
        _discovered_token_url(issuer, settings.oidc_token_url),
        settings.oidc_client_id,
        settings.oidc_client_secret,
    )
    return AuditTrail(settings.audit_url, auth)
