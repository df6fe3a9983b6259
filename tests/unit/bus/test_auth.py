"""Bearer tokens: what a service accepts as proof of who is calling (jkn_bus.auth).

The identity provider is played by an in-memory JWKS endpoint; the real one (Keycloak)
is exercised by tests/integration/auth.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jkn_bus.auth import IdentityProviderUnavailable, TokenVerifier, Unauthenticated, actor_id

ISSUER = "https://sso.example.go.id/realms/jkn"


class FakeIssuer:
    """An issuer whose signing keys can be rotated; counts how often its JWKS is read."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.jwks_reads = 0
        self.down = False
        self.rotate()

    def rotate(self) -> str:
        kid = f"k{len(self.keys) + 1}"
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        self.kid = kid
        return kid

    def token(self, *, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": "jkn-api", "sub": "u-1", "iat": now, "exp": now + 300}
        body.update(claims)
        kid = kid or self.kid
        key = self.keys.get(kid) or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(200, json={"jwks_uri": f"{ISSUER}/certs"})
        self.jwks_reads += 1
        jwks = []
        for kid, key in self.keys.items():
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            jwks.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return httpx.Response(200, json={"keys": jwks})


@pytest.fixture
def issuer() -> FakeIssuer:
    return FakeIssuer()


def verifier_of(issuer: FakeIssuer, **options: Any) -> TokenVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(issuer.handler))
    return TokenVerifier(ISSUER, "jkn-api", http=http, **options)


async def reason(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    return refused.value.reason


async def test_a_token_signed_by_the_issuer_for_the_audience_is_accepted(
    issuer: FakeIssuer,
) -> None:
    claims = await verifier_of(issuer).verify(issuer.token(jkn_roles=["auditor"]))

    assert claims["sub"] == "u-1"
    assert claims["jkn_roles"] == ["auditor"]


async def test_an_expired_token_is_refused_as_expired(issuer: FakeIssuer) -> None:
    past = int(time.time()) - 600

    assert await reason(verifier_of(issuer), issuer.token(iat=past, exp=past + 60)) == (
        "TOKEN_EXPIRED"
    )


async def test_a_token_of_another_issuer_or_audience_is_refused(issuer: FakeIssuer) -> None:
    verifier = verifier_of(issuer)

    assert await reason(verifier, issuer.token(iss="https://evil.example/realms/jkn")) == (
        "TOKEN_ISSUER_WRONG"
    )
    assert await reason(verifier, issuer.token(aud="account")) == "TOKEN_AUDIENCE_WRONG"


async def test_a_token_signed_with_a_key_the_issuer_never_published_is_refused(
    issuer: FakeIssuer,
) -> None:
    assert await reason(verifier_of(issuer), issuer.token(kid="forged")) == "TOKEN_KEY_UNKNOWN"


async def test_a_token_whose_signature_does_not_verify_is_refused(issuer: FakeIssuer) -> None:
    header, payload, signature = issuer.token().split(".")
    tampered = jwt.utils.base64url_encode(b'{"iss":"x"}').decode()

    assert await reason(verifier_of(issuer), f"{header}.{tampered}.{signature}") in {
        "TOKEN_SIGNATURE_INVALID",
        "TOKEN_INVALID",
    }
    assert await reason(verifier_of(issuer), f"{header}.{payload}") == "TOKEN_MALFORMED"


async def test_unsigned_tokens_are_refused_whatever_they_claim(issuer: FakeIssuer) -> None:
    unsigned = jwt.encode({"iss": ISSUER, "aud": "jkn-api", "sub": "x"}, None, algorithm="none")

    assert await reason(verifier_of(issuer), unsigned) == "TOKEN_ALGORITHM_REFUSED"


async def test_the_issuer_rotates_its_key_and_no_service_needs_a_restart(
    issuer: FakeIssuer,
) -> None:
    verifier = verifier_of(issuer, refresh_min_s=0)
    await verifier.verify(issuer.token())

    issuer.rotate()

    assert (await verifier.verify(issuer.token()))["sub"] == "u-1"
    assert issuer.jwks_reads == 2


async def test_unknown_key_ids_do_not_make_the_service_hammer_the_issuer(
    issuer: FakeIssuer,
) -> None:
    verifier = verifier_of(issuer, refresh_min_s=60)
    await verifier.verify(issuer.token())

    for _ in range(20):
        await reason(verifier, issuer.token(kid="forged"))

    assert issuer.jwks_reads == 1


async def test_without_the_issuer_s_keys_no_token_can_be_checked(issuer: FakeIssuer) -> None:
    issuer.down = True

    with pytest.raises(IdentityProviderUnavailable):
        await verifier_of(issuer).verify(issuer.token())


async def test_known_keys_keep_working_while_the_issuer_is_briefly_unreachable(
    issuer: FakeIssuer,
) -> None:
    verifier = verifier_of(issuer, refresh_min_s=0, max_age_s=0)
    await verifier.verify(issuer.token())
    issuer.down = True

    assert (await verifier.verify(issuer.token()))["sub"] == "u-1"


def test_an_actor_id_names_a_person_without_saying_who_they_are() -> None:
    one = actor_id(ISSUER, "3f2a-officer", "city-key")

    assert one == actor_id(ISSUER, "3f2a-officer", "city-key")
    assert one != actor_id(ISSUER, "another-officer", "city-key")
    assert one != actor_id(ISSUER, "3f2a-officer", "another-key")
    assert "3f2a" not in one


async def test_a_token_seen_before_is_not_decoded_again_while_valid(
    issuer: FakeIssuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = verifier_of(issuer)
    token = issuer.token()
    await verifier.verify(token)
    decoded: list[str] = []
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: decoded.append("again"))

    assert (await verifier.verify(token))["sub"] == "u-1"
    assert decoded == []


async def test_a_token_seen_before_is_refused_once_it_expires(issuer: FakeIssuer) -> None:
    verifier = verifier_of(issuer, leeway_s=0)
    now = int(time.time())
    token = issuer.token(iat=now, exp=now + 1)
    await verifier.verify(token)

    await asyncio.sleep(now + 1.2 - time.time())

    assert await reason(verifier, token) == "TOKEN_EXPIRED"
