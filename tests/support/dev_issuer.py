"""Who calls an in-process app in a test: the demo identities (jkn_devstack.identities), with
real tokens of the local Keycloak when it runs, else tokens of a local issuer.

    callers = await demo_callers(actor_key=runtime.settings.jkn_pseudonym_key)
    app = callers.protect(build_app(...), "verification")
    http = httpx.AsyncClient(transport=..., auth=callers.auth("rina.dinkes"))
    expected = await callers.actor("rina.dinkes")    # the actor id the service derives

With Keycloak (``scripts/keycloak.sh``; ``JKN_OIDC_ISSUER`` or port 8180) the app keeps its
own guard, which checks the tokens against the realm's keys exactly as in production
(``jkn_devstack.tokens.DevTokenAuth``). Without it, ``LocalIssuer`` signs tokens with the
claims Keycloak would put in them (jkn_roles, jkn_agency, jkn_kelurahan, jkn_kind) and
``protect`` installs a real Guard that trusts its key only. Either way the actor id a test
expects is ``jkn_bus.auth.actor_id`` of the token's issuer and subject.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from typing import Protocol

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jkn_bus.auth import TokenVerifier, actor_id
from jkn_bus.guard import Guard
from jkn_devstack.identities import AUDIENCE, Kind, identity
from jkn_devstack.tokens import DevTokenAuth, default_issuer, fetch_token, unverified_claims

__all__ = ["LOCAL_ISSUER", "Callers", "KeycloakCallers", "LocalIssuer", "demo_callers"]

LOCAL_ISSUER = "https://sso.test.invalid/realms/jkn"
_KID = "local-1"


class Callers(Protocol):
    """Tokens of the demo identities, and what a service makes of them."""

    def auth(self, name: str) -> httpx.Auth: ...

    async def actor(self, name: str) -> str: ...

    def protect(self, app: FastAPI, service: str) -> FastAPI: ...


async def demo_callers(actor_key: str) -> Callers:
    """The local Keycloak's callers when its realm answers, else a local issuer's."""
    issuer = default_issuer()
    try:
        async with httpx.AsyncClient(timeout=3, trust_env=False) as http:
            found = await http.get(f"{issuer}/.well-known/openid-configuration")
        if found.status_code == 200:
            return KeycloakCallers(actor_key)
    except httpx.HTTPError:
        pass
    return LocalIssuer(actor_key)


class KeycloakCallers:
    """Real tokens of the local Keycloak; the app's own guard verifies them."""

    def __init__(self, actor_key: str) -> None:
        self.actor_key = actor_key
        self._auth: dict[str, DevTokenAuth] = {}

    def auth(self, name: str) -> httpx.Auth:
        return self._auth.setdefault(name, DevTokenAuth(name))

    async def actor(self, name: str) -> str:
        claims = unverified_claims(await fetch_token(name))
        return actor_id(str(claims["iss"]), str(claims["sub"]), self.actor_key)

    def protect(self, app: FastAPI, service: str) -> FastAPI:
        del service  # the app's guard already checks the realm's tokens (JKN_OIDC_ISSUER)
        return app


class LocalIssuer:
    """Signs demo identities' tokens with a key of its own; its guards trust that key only."""

    def __init__(self, actor_key: str = "dev-only-pseudonym-key") -> None:
        self.actor_key = actor_key
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @staticmethod
    def subject(name: str) -> str:
        return f"sub-{name}"

    def token(self, name: str) -> str:
        """A fresh access token of the demo identity ``name`` (e.g. ``rina.dinkes``)."""
        who = identity(name)
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": LOCAL_ISSUER,
            "aud": AUDIENCE,
            "sub": self.subject(name),
            "iat": now,
            "exp": now + 300,
            "jkn_roles": list(who.roles),
            "jkn_agency": who.agency,
        }
        if who.kind is Kind.CLIENT:
            claims |= {"client_id": name, "azp": name, "jkn_kind": "system"}
        else:
            claims["preferred_username"] = name
        if who.kelurahan:
            claims["jkn_kelurahan"] = who.kelurahan
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": _KID})

    def auth(self, name: str) -> httpx.Auth:
        return _Bearer(self, name)

    async def actor(self, name: str) -> str:
        return actor_id(LOCAL_ISSUER, self.subject(name), self.actor_key)

    def guard(self, service: str) -> Guard:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        keys = {"keys": [{**jwk, "kid": _KID, "use": "sig", "alg": "RS256"}]}
        http = httpx.AsyncClient(
            transport=httpx.MockTransport(lambda _: httpx.Response(200, json=keys))
        )
        verifier = TokenVerifier(
            LOCAL_ISSUER, AUDIENCE, jwks_url=f"{LOCAL_ISSUER}/certs", http=http
        )
        return Guard(service, verifier, actor_key=self.actor_key, write_limit="10000/minute")

    def protect(self, app: FastAPI, service: str) -> FastAPI:
        app.state.guard = self.guard(service)
        return app


class _Bearer(httpx.Auth):
    def __init__(self, issuer: LocalIssuer, name: str) -> None:
        self._issuer = issuer
        self._name = name

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._issuer.token(self._name)}"
        yield request
