"""DevTokenAuth's cache, without an identity provider: the token fetch is replaced.

(tests/integration/test_identity_provider.py gets real tokens from the local Keycloak.)
"""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from jkn_devstack import tokens
from jkn_devstack.tokens import DevTokenAuth, TokenError, default_issuer, unverified_claims


def _jwt(iat: float, exp: float, n: int) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part({'iat': iat, 'exp': exp, 'n': n})}.sig"


class FakeIssuer:
    """Hands out numbered tokens living ``lifespan`` seconds; counts the fetches."""

    def __init__(self, lifespan: float) -> None:
        self.lifespan = lifespan
        self.fetches = 0

    def fetch(self, name: str, issuer: str | None = None) -> str:
        self.fetches += 1
        now = time.time()
        return _jwt(now, now + self.lifespan, self.fetches)

    async def afetch(self, name: str, issuer: str | None = None) -> str:
        return self.fetch(name, issuer)


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> FakeIssuer:
    fake = FakeIssuer(lifespan=900)
    monkeypatch.setattr(tokens, "fetch_token_sync", fake.fetch)
    monkeypatch.setattr(tokens, "fetch_token", fake.afetch)
    return fake


def _echo(unauthorized: set[int] | None = None) -> httpx.MockTransport:
    """Answers with the number of the token it got; 401 for the numbers in ``unauthorized``."""

    def handle(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        n = unverified_claims(token)["n"]
        return httpx.Response(401 if n in (unauthorized or set()) else 200, json={"n": n})

    return httpx.MockTransport(handle)


def test_sync_client_reuses_the_token(issuer: FakeIssuer) -> None:
    with httpx.Client(transport=_echo(), auth=DevTokenAuth("siti.dinsos")) as http:
        answers = [http.get("http://api.test/x").json()["n"] for _ in range(3)]
    assert answers == [1, 1, 1]
    assert issuer.fetches == 1


async def test_async_client_reuses_the_token(issuer: FakeIssuer) -> None:
    auth = DevTokenAuth("dinsos-siks")
    async with httpx.AsyncClient(transport=_echo(), auth=auth) as http:
        answers = [(await http.get("http://api.test/x")).json()["n"] for _ in range(3)]
    assert answers == [1, 1, 1]


def test_a_token_is_renewed_a_minute_before_it_expires(
    issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = DevTokenAuth("rina.dinkes")
    with httpx.Client(transport=_echo(), auth=auth) as http:
        assert http.get("http://api.test/x").json()["n"] == 1
        now = time.time()
        monkeypatch.setattr(tokens.time, "time", lambda: now + 900 - 61)
        assert http.get("http://api.test/x").json()["n"] == 1
        monkeypatch.setattr(tokens.time, "time", lambda: now + 900 - 59)
        assert http.get("http://api.test/x").json()["n"] == 2


def test_a_short_lived_token_is_renewed_halfway(issuer: FakeIssuer) -> None:
    issuer.lifespan = 2  # like jkn-expiry-probe's
    with httpx.Client(transport=_echo(), auth=DevTokenAuth("jkn-expiry-probe")) as http:
        assert http.get("http://api.test/x").json()["n"] == 1
        time.sleep(1.1)
        assert http.get("http://api.test/x").json()["n"] == 2


def test_a_401_to_a_cached_token_fetches_a_new_one_once(issuer: FakeIssuer) -> None:
    auth = DevTokenAuth("hana.auditor")
    with httpx.Client(transport=_echo(unauthorized={2, 3, 4}), auth=auth) as http:
        assert http.get("http://api.test/x").json()["n"] == 1  # token 1 cached
        auth._cached = tokens._Cached.of(issuer.fetch("hana.auditor"))  # now token 2, "stale"
        response = http.post("http://api.test/x", content=b"body")
        assert response.status_code == 401  # token 3 refused as well: answered, not looped
        assert response.json()["n"] == 3
        assert issuer.fetches == 3


async def test_async_401_to_a_cached_token_is_retried(issuer: FakeIssuer) -> None:
    auth = DevTokenAuth("agus.bpjs")
    async with httpx.AsyncClient(transport=_echo(unauthorized={1}), auth=auth) as http:
        first = await http.get("http://api.test/x")  # a fresh token refused: no retry
        assert (first.status_code, first.json()["n"]) == (401, 1)
        second = await http.get("http://api.test/x")  # the cached one refused: renewed
        assert (second.status_code, second.json()["n"]) == (200, 2)


def test_unknown_identity_fails_at_once() -> None:
    with pytest.raises(KeyError, match=r"siti\.dinsos"):
        DevTokenAuth("nobody")


def test_default_issuer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JKN_OIDC_ISSUER", raising=False)
    monkeypatch.delenv("KEYCLOAK_PORT", raising=False)
    assert default_issuer() == "http://127.0.0.1:8180/realms/jkn"
    monkeypatch.setenv("KEYCLOAK_PORT", "18180")
    assert default_issuer() == "http://127.0.0.1:18180/realms/jkn"
    monkeypatch.setenv("JKN_OIDC_ISSUER", "https://sso.example.go.id/realms/jkn/")
    assert default_issuer() == "https://sso.example.go.id/realms/jkn"


def test_not_a_jwt() -> None:
    with pytest.raises(TokenError):
        unverified_claims("opaque-token")


async def test_unreachable_issuer_is_a_token_error() -> None:
    with pytest.raises(TokenError, match="unreachable"):
        await tokens.fetch_token("siti.dinsos", "http://127.0.0.1:9/realms/jkn")
