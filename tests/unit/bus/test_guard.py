"""Every route is guarded by its policy before its handler runs (jkn_bus.guard).

A small app stands in for a service: its routes carry the names of real routes of the
policy table, so their policies are the real ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from jkn_bus.guard import Caller, Guard, UnprotectedRouteError, authorize, install_error_answers
from unit.bus.test_auth import ISSUER, FakeIssuer, verifier_of

handled: list[str] = []
router = APIRouter()


@router.post("/reconciliation/findings")
async def findings(caller: Caller) -> dict[str, Any]:
    handled.append("findings")
    return {"scope": caller.scope.value, "kelurahan": caller.kelurahan, "actor": caller.actor}


@router.get("/proposals/{proposal_id}")
async def status(proposal_id: str) -> dict[str, str]:
    handled.append("status")
    return {"proposal_id": proposal_id}


@router.put("/quota")
async def quota() -> dict[str, str]:  # a verification route: enrollment has no policy for it
    return {}


def app_of(issuer: FakeIssuer, *routers: APIRouter, write_limit: str = "300/minute") -> FastAPI:
    app = FastAPI(dependencies=[Depends(authorize)])
    app.state.guard = Guard(
        "enrollment", verifier_of(issuer), actor_key="k", write_limit=write_limit
    )
    install_error_answers(app, "enrollment")
    for r in routers:
        app.include_router(r)
    return app


@pytest.fixture
def issuer() -> FakeIssuer:
    return FakeIssuer()


@pytest.fixture
async def client(issuer: FakeIssuer) -> AsyncIterator[httpx.AsyncClient]:
    handled.clear()
    transport = httpx.ASGITransport(app=app_of(issuer, router))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_app_with_a_route_outside_the_policy_table_is_not_built(issuer: FakeIssuer) -> None:
    stray = APIRouter()
    stray.add_api_route("/quota", quota, methods=["PUT"])
    app = app_of(issuer, router, stray)

    with pytest.raises(UnprotectedRouteError, match="PUT /quota"):
        app.state.guard.check_routes(app)


async def test_no_token_is_401_and_the_handler_never_runs(client: httpx.AsyncClient) -> None:
    answer = await client.post("/reconciliation/findings")

    assert answer.status_code == 401
    assert answer.json() == {"error": "UNAUTHENTICATED", "reason": "TOKEN_MISSING"}
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert handled == []


async def test_a_caller_without_a_role_of_the_route_is_403_before_the_handler(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    token = issuer.token(jkn_roles=["dinkes-verifier"], jkn_agency="dinkes")

    answer = await client.post("/reconciliation/findings", headers=bearer(token))

    assert answer.status_code == 403
    assert answer.json() == {"error": "FORBIDDEN", "reason": "ROLE_NOT_ALLOWED"}
    assert handled == []


async def test_each_role_gets_the_scope_its_grant_has_on_the_route(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    officer = issuer.token(jkn_roles=["dinsos-officer"], jkn_agency="dinsos")
    operator = issuer.token(
        jkn_roles=["kelurahan-operator"], jkn_agency="kelurahan", jkn_kelurahan="1571011001"
    )

    by_officer = await client.post("/reconciliation/findings", headers=bearer(officer))
    by_operator = await client.post("/reconciliation/findings", headers=bearer(operator))

    assert by_officer.json()["scope"] == "all"
    assert by_operator.json() | {"actor": "-"} == {
        "scope": "own_kelurahan",
        "kelurahan": "1571011001",
        "actor": "-",
    }
    assert by_operator.json()["actor"].startswith("act_")


async def test_a_resident_s_own_question_needs_no_token(client: httpx.AsyncClient) -> None:
    answer = await client.get("/proposals/abc")

    assert answer.status_code == 200
    assert handled == ["status"]


async def test_a_token_of_another_issuer_is_401_whatever_roles_it_claims(
    client: httpx.AsyncClient, issuer: FakeIssuer
) -> None:
    forged = issuer.token(kid="elsewhere", iss="https://evil.example", jkn_roles=["auditor"])

    answer = await client.post("/reconciliation/findings", headers=bearer(forged))

    assert answer.status_code == 401
    assert handled == []


async def test_writes_are_limited_per_caller(issuer: FakeIssuer) -> None:
    transport = httpx.ASGITransport(app=app_of(issuer, router, write_limit="3/minute"))
    officer = bearer(issuer.token(jkn_roles=["dinsos-officer"], jkn_agency="dinsos"))
    other = bearer(issuer.token(sub="u-2", jkn_roles=["dinsos-officer"], jkn_agency="dinsos"))
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        first = [(await c.post("/reconciliation/findings", headers=officer)).status_code]
        first += [(await c.post("/reconciliation/findings", headers=officer)).status_code]
        first += [(await c.post("/reconciliation/findings", headers=officer)).status_code]
        fourth = await c.post("/reconciliation/findings", headers=officer)
        someone_else = await c.post("/reconciliation/findings", headers=other)

    assert first == [200, 200, 200]
    assert fourth.status_code == 429
    assert int(fourth.headers["retry-after"]) >= 1
    assert someone_else.status_code == 200


def test_the_issuer_of_the_tests_is_not_the_local_one() -> None:
    # The unit tests must not depend on the identity provider `make up` starts.
    assert "127.0.0.1" not in ISSUER
