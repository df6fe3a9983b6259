"""Who is calling: OpenID Connect bearer tokens checked against the issuer's keys.

A token is accepted when its signature verifies under a key of the issuer's JWKS, its
``iss`` is the configured issuer, its ``aud`` holds the configured audience, and it has
not expired (``exp``, with a small leeway for clock skew). Keys are fetched from the
issuer's discovery document and cached; a token signed with a key id the cache does not
know makes the verifier fetch the JWKS again (at most every ``refresh_min_s``), so the
identity provider can rotate its keys without a restart of any service.

Failures are reason codes, never the token or its claims: a token is a credential, and
its claims can name a person.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cachetools import TTLCache
from jkn_contracts.access import Role, Scope

__all__ = [
    "Forbidden",
    "IdentityProviderUnavailable",
    "Principal",
    "TokenVerifier",
    "Unauthenticated",
    "actor_id",
]

_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
_WIDEST_FIRST = (Scope.ALL, Scope.OWN_AGENCY, Scope.OWN_KELURAHAN)


class Unauthenticated(Exception):
    """No acceptable token: ``reason`` is a code such as TOKEN_EXPIRED."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Forbidden(Exception):
    """A known caller acting outside their roles or jurisdiction: ``reason`` is a code."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityProviderUnavailable(Exception):
    """The issuer's keys could not be fetched, so no token can be checked."""


def actor_id(issuer: str, subject: str, key: str) -> str:
    """The pseudonymous id of an acting person or system, as events and the audit trail
    carry it: an HMAC of issuer and subject under the city's pseudonym key. The identity
    provider (which knows the subject) resolves it for an investigation; a reader of the
    bus does not learn who the officer is."""
    digest = hmac.new(key.encode(), f"{issuer}|{subject}".encode(), hashlib.sha256)
    return "act_" + digest.hexdigest()[:24]


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and what it may do on the route it called."""

    subject: str
    issuer: str
    username: str
    agency: str
    kelurahan: str | None
    roles: frozenset[str]
    is_system: bool
    grants: Mapping[Role, Scope]
    actor: str

    @property
    def scope(self) -> Scope:
        """The widest scope any of the caller's roles has on this route."""
        for scope in _WIDEST_FIRST:
            if scope in self.grants.values():
                return scope
        raise Forbidden("ROLE_NOT_ALLOWED")

    def require_agency(self, agency: str) -> None:
        """Refuses (403 OUTSIDE_AGENCY) an act on another agency's record, unless a role of
        the caller reaches every agency's records on this route."""
        if self.scope is not Scope.ALL and agency != self.agency:
            raise Forbidden("OUTSIDE_AGENCY")

    def require_kelurahan(self, kelurahan: str) -> None:
        """Refuses (403 OUTSIDE_KELURAHAN) a row of another kelurahan than the caller's,
        unless a role of the caller reaches every kelurahan on this route."""
        if self.scope is not Scope.ALL and kelurahan != self.kelurahan:
            raise Forbidden("OUTSIDE_KELURAHAN")


class TokenVerifier:
    """Checks bearer tokens of one issuer for one audience (see the module docstring)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str | None = None,
        leeway_s: float = 10.0,
        refresh_min_s: float = 10.0,
        max_age_s: float = 300.0,
        verified_ttl_s: float = 60.0,
        verified_cache_size: int = 10_000,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._jwks_url = jwks_url
        self._leeway = leeway_s
        self._refresh_min = refresh_min_s
        self._max_age = max_age_s
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        # Verified tokens, kept at most verified_ttl_s (a key withdrawn by the issuer stops
        # being trusted within that time for tokens already seen).
        # verified_cache_size=0: every use is checked in full (the benchmark's baseline).
        self._verified: TTLCache[str, dict[str, Any]] = TTLCache(
            maxsize=max(0, verified_cache_size), ttl=verified_ttl_s
        )

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or Unauthenticated with the reason it was refused.

        A token already verified is not checked again while it is valid (its expiry is):
        a client calls many times with one token, and decoding and checking a JWT costs
        far more than the request it guards."""
        known = self._verified.get(token)
        if known is not None:
            if float(known["exp"]) + self._leeway < time.time():
                raise Unauthenticated("TOKEN_EXPIRED")
            return known
        claims = await self._check(token)
        if self._verified.maxsize > 0:
            self._verified[token] = claims
        return claims

    async def _check(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated("TOKEN_MALFORMED") from exc
        if header.get("alg") not in _ALGORITHMS:
            raise Unauthenticated("TOKEN_ALGORITHM_REFUSED")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[str(header["alg"])],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("TOKEN_EXPIRED") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthenticated("TOKEN_ISSUER_WRONG") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthenticated("TOKEN_AUDIENCE_WRONG") from exc
        except jwt.InvalidSignatureError as exc:
            raise Unauthenticated("TOKEN_SIGNATURE_INVALID") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("TOKEN_INVALID") from exc
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        stale = time.monotonic() - self._fetched_at > self._max_age
        if kid not in self._keys or stale:
            await self._refresh(force=stale)
        try:
            return self._keys[kid]
        except KeyError:
            # Signed by a key this issuer never published: another issuer, or forged.
            raise Unauthenticated("TOKEN_KEY_UNKNOWN") from None

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._fetched_at < self._refresh_min:
                return
            try:
                keys = await self._fetch_keys()
            except (httpx.HTTPError, ValueError, KeyError, jwt.PyJWTError) as exc:
                if self._keys:  # keep serving with the keys we have; retry on the next miss
                    self._fetched_at = time.monotonic() - self._max_age + self._refresh_min
                    return
                raise IdentityProviderUnavailable(type(exc).__name__) from exc
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        client = self._http or httpx.AsyncClient(timeout=5.0)
        try:
            url = self._jwks_url
            if url is None:
                discovery = await client.get(f"{self.issuer}/.well-known/openid-configuration")
                discovery.raise_for_status()
                url = str(discovery.json()["jwks_uri"])
            answer = await client.get(url)
            answer.raise_for_status()
            jwks = jwt.PyJWKSet.from_dict(answer.json())
        finally:
            if self._http is None:
                await client.aclose()
        return {str(k.key_id): k for k in jwks.keys if k.key_id and k.public_key_use != "enc"}
