"""The local identity provider that `make up` starts (scripts/keycloak.sh): run after it.

uv run --frozen pytest tests/integration/test_identity_provider.py

Every demo identity (jkn_devstack.identities) gets a real token whose signature verifies
under a key of the issuer's JWKS and whose claims are what the services read.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jkn_devstack.identities import AUDIENCE, CLI_CLIENT, IDENTITIES, Kind
from jkn_devstack.tokens import DevTokenAuth, default_issuer, fetch_token, unverified_claims

pytestmark = pytest.mark.infra

ISSUER = default_issuer()
TOKEN_URL = f"{ISSUER}/protocol/openid-connect/token"
INTROSPECT_URL = f"{TOKEN_URL}/introspect"


def _b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
async def jwks(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    discovery = (await http.get(f"{ISSUER}/.well-known/openid-configuration")).json()
    assert discovery["issuer"] == ISSUER
    answer = await http.get(discovery["jwks_uri"])
    assert answer.status_code == 200
    keys: list[dict[str, Any]] = answer.json()["keys"]
    return keys


def _verified_claims(token: str, jwks: list[dict[str, Any]]) -> dict[str, Any]:
    """The claims of an RS256 token whose signature verifies under the JWKS key it names."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(_b64(header_b64))
    assert header["alg"] == "RS256"
    (jwk,) = [k for k in jwks if k["kid"] == header["kid"]]
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_b64(jwk["e"]), "big"), int.from_bytes(_b64(jwk["n"]), "big")
    ).public_key()
    signed = f"{header_b64}.{payload_b64}".encode()
    public.verify(_b64(signature_b64), signed, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(InvalidSignature):  # and it is really checking
        public.verify(_b64(signature_b64), signed + b"x", padding.PKCS1v15(), hashes.SHA256())
    claims: dict[str, Any] = unverified_claims(token)
    return claims


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud", [])
    return [aud] if isinstance(aud, str) else list(aud)


async def test_the_jwks_serves_an_rs256_signing_key(jwks: list[dict[str, Any]]) -> None:
    rs256 = [k for k in jwks if k.get("alg") == "RS256" and k.get("use") == "sig"]
    assert rs256, jwks
    assert all(k["kty"] == "RSA" and k["kid"] for k in rs256)


@pytest.mark.parametrize("name", list(IDENTITIES))
async def test_token_of_each_identity(name: str, jwks: list[dict[str, Any]]) -> None:
    who = IDENTITIES[name]
    claims = _verified_claims(await fetch_token(name), jwks)
    assert claims["iss"] == ISSUER
    assert AUDIENCE in _audiences(claims)
    assert sorted(claims["jkn_roles"]) == sorted(who.roles)  # a flat list, [] for no role
    assert claims["jkn_agency"] == who.agency
    assert claims.get("jkn_kelurahan") == who.kelurahan
    if who.kind is Kind.USER:
        assert claims["azp"] == CLI_CLIENT
        assert claims["preferred_username"] == name
        assert "jkn_kind" not in claims
    else:
        assert claims["azp"] == claims["client_id"] == name
        assert claims["jkn_kind"] == "system"
    lifespan = who.token_lifespan_s or 900
    assert claims["exp"] - claims["iat"] == lifespan


async def test_budi_carries_his_kelurahan(jwks: list[dict[str, Any]]) -> None:
    claims = _verified_claims(await fetch_token("budi.kelurahan"), jwks)
    assert claims["jkn_kelurahan"] == "1571011001"
    assert claims["jkn_roles"] == ["kelurahan-operator"]


async def test_a_wrong_password_is_refused(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        TOKEN_URL,
        data={
            "grant_type": "password",
            "client_id": CLI_CLIENT,
            "username": "siti.dinsos",
            "password": "not-her-password",
        },
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_grant"
    assert "access_token" not in answer.json()


async def test_a_wrong_client_secret_is_refused(http: httpx.AsyncClient) -> None:
    answer = await http.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "client_id": "dinsos-siks", "client_secret": "x"},
    )
    assert answer.status_code == 401
    assert "access_token" not in answer.json()


async def test_the_expiry_probe_token_is_expired_two_seconds_later(
    http: httpx.AsyncClient,
) -> None:
    token = await fetch_token("jkn-expiry-probe")
    claims = unverified_claims(token)
    assert 0 < claims["exp"] - claims["iat"] <= 2
    await asyncio.sleep(max(0.0, claims["exp"] - time.time()) + 1.5)
    probe = IDENTITIES["jkn-expiry-probe"]
    answer = await http.post(INTROSPECT_URL, data={"token": token}, auth=(probe.name, probe.secret))
    assert answer.status_code == 200
    assert answer.json()["active"] is False  # Keycloak itself no longer accepts it


async def test_dev_token_auth_sends_a_real_token(jwks: list[dict[str, Any]]) -> None:
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"].removeprefix("Bearer "))
        return httpx.Response(200)

    auth = DevTokenAuth("rina.dinkes")
    async with httpx.AsyncClient(transport=httpx.MockTransport(api), auth=auth) as aclient:
        await aclient.get("http://verification.test/decisions")
        await aclient.get("http://verification.test/decisions")

    def sync_call() -> None:
        with httpx.Client(transport=httpx.MockTransport(api), auth=auth) as client:
            client.get("http://verification.test/decisions")

    await asyncio.to_thread(sync_call)
    assert len(set(seen)) == 1  # one token, cached, for sync and async clients alike
    assert _verified_claims(seen[0], jwks)["jkn_roles"] == ["dinkes-verifier"]


def test_the_token_command_prints_a_bearer_token(jwks: list[dict[str, Any]]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "jkn_devstack", "token", "siti.dinsos"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert _verified_claims(out, jwks)["preferred_username"] == "siti.dinsos"
