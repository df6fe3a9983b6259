"""Jurisdiction, route by route: every route of every service, for every caller.

The matrix is generated, not written: its rows are the routes each running service
serves (its OpenAPI document, checked both ways against the policy table in
jkn_contracts.access), its columns every demo identity of the local identity provider
(real Keycloak tokens) plus no token, an expired token and a token of another issuer.
A route added without a policy stops its service from starting, and a policy left for a
route that no longer exists fails here.

A request the policy allows must reach its handler (any answer but 401/403, never a 5xx);
the handler then refuses the deliberately empty body, so nothing changes. A request it
does not allow is 401 (who are you?) or 403 (not yours) with a reason code, before the
handler has read anything.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jkn_contracts.access import POLICIES, Authentication, Policy, Role, policy_for
from jkn_demo.scenario import CityFiles
from jkn_demo.stack import Stack
from jkn_devstack.identities import IDENTITIES
from jkn_devstack.tokens import fetch_token
from support.spans import SpanCollector
from support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 13000  # beside `make run` and the other end-to-end stacks
SERVICES = ("enrollment", "verification", "bpjs-gateway", "notifications", "audit", "residents-web")
NO_TOKEN, EXPIRED, FOREIGN = "(no token)", "(expired token)", "(other issuer)"
PATH_VALUES = {
    "proposal_id": str(uuid.UUID(int=1)),
    "import_id": str(uuid.UUID(int=2)),
    "run_id": str(uuid.UUID(int=3)),
    "batch_id": str(uuid.UUID(int=4)),
    "cut_id": str(uuid.UUID(int=5)),
    "participant_id": "p" + "0" * 31,
    "tracking_number": "JKN-2026-000000",
    "channel": "sms",
    "dead_letter_id": "1",
}


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with running_stack(
        Path(tmp_path_factory.mktemp("run")),
        port_offset=PORT_OFFSET,
        tag="acl",
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL=str(city.manifest["quota"]),
        JKN_ZIPKIN_ENDPOINT=spans.endpoint,
        JKN_OIDC_LEEWAY_S="1",  # so that the expiry probe's token is refused seconds later
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def routes(stack: Stack) -> dict[str, list[tuple[str, str]]]:
    """(method, path template) of every route each running service serves."""
    served: dict[str, list[tuple[str, str]]] = {}
    async with httpx.AsyncClient(timeout=10) as http:
        for service in SERVICES:
            doc = (await http.get(stack.url(service) + "/openapi.json")).json()
            served[service] = sorted(
                (method.upper(), path)
                for path, operations in doc["paths"].items()
                for method in operations
            )
    return served


@pytest.fixture(scope="module")
async def tokens() -> dict[str, str | None]:
    """A real token of every demo identity, an expired one, one of another issuer."""
    minted: dict[str, str | None] = {
        name: await fetch_token(name) for name in IDENTITIES if name != "jkn-expiry-probe"
    }
    expired = await fetch_token("jkn-expiry-probe")  # lives 2 s
    exp = jwt.decode(expired, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, exp - time.time()) + 2.5)  # the stack's leeway is 1 s
    minted[EXPIRED] = expired
    minted[FOREIGN] = foreign_token()
    minted[NO_TOKEN] = None
    return minted


def foreign_token() -> str:
    """Every role, signed by an issuer the city does not trust."""
    now = int(time.time())
    claims = {
        "iss": "https://sso.other-city.example/realms/jkn",
        "aud": "jkn-api",
        "sub": "intruder",
        "iat": now,
        "exp": now + 600,
        "jkn_roles": [r.value for r in Role],
        "jkn_agency": "dinsos",
    }
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "other-city"})


def expected(policy: Policy, caller: str) -> tuple[int, str] | None:
    """(status, reason) the guard answers, or None when the handler must be reached."""
    if policy.authentication is Authentication.NONE:
        return None
    if policy.authentication is Authentication.SIGNATURE:
        return (401, "SIGNATURE_MISSING")
    refused = {NO_TOKEN: "TOKEN_MISSING", EXPIRED: "TOKEN_EXPIRED", FOREIGN: "TOKEN_KEY_UNKNOWN"}
    if caller in refused:
        return (401, refused[caller])
    roles = set(IDENTITIES[caller].roles)
    if roles & {r.value for r in policy.grants}:
        return None
    return (403, "ROLE_NOT_ALLOWED")


def concrete(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


async def call(
    http: httpx.AsyncClient, base: str, method: str, path: str, token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, Any] = {"json": {}} if method in {"POST", "PUT"} else {}
    if path.endswith(("/imports", "/findings", "/snapshots")):
        body = {"content": b""}  # an empty upload: refused by the handler, nothing applied
    return await http.request(method, base + concrete(path), headers=headers, **body)


async def test_every_route_served_has_a_policy_and_every_policy_a_route(
    routes: dict[str, list[tuple[str, str]]],
) -> None:
    served = {(s, m, p) for s, entries in routes.items() for m, p in entries}

    assert [r for r in served if policy_for(*r) is None] == []
    assert [r for r in POLICIES if r not in served] == []


async def test_each_caller_reaches_exactly_the_routes_its_roles_are_granted(
    stack: Stack, routes: dict[str, list[tuple[str, str]]], tokens: dict[str, str | None]
) -> None:
    cells, wrong = 0, []
    async with httpx.AsyncClient(timeout=30) as http:
        for service, entries in routes.items():
            for method, path in entries:
                policy = policy_for(service, method, path)
                assert policy is not None
                for caller, token in tokens.items():
                    answer = await call(http, stack.url(service), method, path, token)
                    cells += 1
                    want = expected(policy, caller)
                    if want is None:
                        ok = answer.status_code not in {401, 403} and answer.status_code < 500
                    else:
                        body = answer.json()
                        ok = (answer.status_code, body.get("reason")) == want
                    if not ok:
                        wrong.append((service, method, path, caller, answer.status_code, want))

    assert wrong == []
    assert cells == sum(len(e) for e in routes.values()) * len(tokens)
    print(f"authorization matrix: {cells} cells ({len(tokens)} callers)")


async def as_(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await fetch_token(name)}"}


async def test_a_feedback_agent_works_their_own_agency_s_queue_and_no_other(stack: Stack) -> None:
    base = stack.url("notifications")
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        own = await http.get("/feedback", headers=await as_("eko.cs-dinkes"))
        other = await http.get("/feedback?agency=dinsos", headers=await as_("eko.cs-dinkes"))
        audited = await http.get("/feedback?agency=dinsos", headers=await as_("hana.auditor"))

    assert own.status_code == 200
    assert own.json()["agency"] == "dinkes"
    assert (other.status_code, other.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    assert audited.status_code == 200


async def test_the_agency_that_answers_is_the_token_s_never_the_body_s(stack: Stack) -> None:
    form = {"kind": "pertanyaan", "topic": "usulan_kepesertaan", "message": "Kapan usulan saya?"}
    async with httpx.AsyncClient(base_url=stack.url("notifications"), timeout=30) as http:
        item = (await http.post("/feedback", json=form)).json()["tracking_number"]
        dinkes = await as_("eko.cs-dinkes")
        forged = await http.post(
            f"/feedback/{item}/answer", headers=dinkes, json={"agency": "dinsos", "answer": "x"}
        )
        outside = await http.post(f"/feedback/{item}/answer", headers=dinkes, json={"answer": "x"})
        rerouted = await http.post(
            f"/feedback/{item}/reroute",
            headers=dinkes,
            json={"to_agency": "bpjs-gateway", "reason": "kartu"},
        )
        answered = await http.post(
            f"/feedback/{item}/answer",
            headers=await as_("dewi.cs-dinsos"),
            json={"answer": "Usulan Anda sedang diverifikasi."},
        )

    assert forged.status_code == 422
    assert {"field": "agency", "rule": "FIELD_UNKNOWN"} in [
        {"field": e["field"], "rule": e["rule"]} for e in forged.json()["errors"]
    ]
    assert (outside.status_code, outside.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    assert (rerouted.status_code, rerouted.json()["reason"]) == (403, "OUTSIDE_AGENCY")
    assert answered.status_code == 200
    assert answered.json()["status"] == "answered"


async def test_a_kelurahan_operator_reports_findings_of_their_own_kelurahan_only(
    stack: Stack,
) -> None:
    header = "nik,reason,evidence_ref,officer,kelurahan\n"
    own = "1571014107900001,meninggal,SK-1,budi,1571011001\n"
    other = "1571014107900002,pindah,SK-2,budi,1571011002\n"
    async with httpx.AsyncClient(base_url=stack.url("enrollment"), timeout=30) as http:
        budi = await as_("budi.kelurahan")
        mixed = await http.post(
            "/reconciliation/findings", headers=budi, content=(header + own + other).encode()
        )
        runs = await http.get("/reconciliation/runs", headers=await as_("siti.dinsos"))

    assert mixed.status_code == 403
    assert mixed.json() == {"error": "FORBIDDEN", "reason": "OUTSIDE_KELURAHAN", "lines": [3]}
    assert runs.json()["runs"] == []  # nothing was applied, not even a run recorded
