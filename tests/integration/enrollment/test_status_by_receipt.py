"""A resident checks where their proposal stands with what they hold — the receipt code and
their birth date (``POST /proposals/status``), against the real Postgres and Kafka: the
proposal is found by its code's hash and the birth date checked against the sealed one.
Every mismatch is the same 404 and counts against the failure limit the other receipt-code
routes share."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from integration.enrollment.residents import form

pytestmark = pytest.mark.infra

FAILURE_LIMIT = 30  # ENROLLMENT_STATUS_FAILURES_PER_10MIN's default


def _resident(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A resident's browser: no token, its own client address (the failure limit's key)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://enrollment")


async def _propose(client: httpx.AsyncClient, n: int) -> dict[str, Any]:
    sent = form(n, phone=f"0812666{n:05d}")
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "birth_date": sent["birth_date"]}


def _ask(created: dict[str, Any], **changes: str) -> dict[str, str]:
    return {"receipt_code": created["receipt_code"], "birth_date": created["birth_date"], **changes}


async def test_a_resident_finds_their_proposal_by_receipt_code_and_birth_date(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await _propose(client, 201)
    await _propose(client, 202)  # another resident, beside them
    async with _resident(app, "10.2.0.1") as browser:
        answer = await browser.post("/proposals/status", json=_ask(created))
        typed_loosely = await browser.post(
            "/proposals/status", json=_ask(created, receipt_code=created["receipt_code"].lower())
        )
        by_number = await browser.get(
            f"/proposals/{created['proposal_id']}",
            params={"receipt_code": created["receipt_code"]},
        )

    assert answer.status_code == 200, answer.text
    assert answer.json()["proposal_id"] == created["proposal_id"]
    assert answer.json()["participant_id"] == created["participant_id"]
    assert answer.json() == by_number.json()  # the same answer as the proposal number's
    assert typed_loosely.json() == answer.json()


async def test_a_wrong_birth_date_and_an_unknown_code_get_the_same_404(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await _propose(client, 203)
    async with _resident(app, "10.2.0.2") as browser:
        wrong_birth = await browser.post(
            "/proposals/status", json=_ask(created, birth_date="1990-12-31")
        )
        unknown_code = await browser.post(
            "/proposals/status", json=_ask(created, receipt_code="ZZZZ2345")
        )

    assert wrong_birth.status_code == unknown_code.status_code == 404
    assert wrong_birth.content == unknown_code.content
    assert wrong_birth.json()["errors"][0]["rule"] == "NOT_FOUND"
    assert created["birth_date"] not in wrong_birth.text


async def test_an_erased_resident_is_found_by_nothing(
    app: FastAPI, client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    created = await _propose(client, 204)
    conn = await asyncpg.connect(database["enrollment"])
    try:  # coverage ended long ago: the retention period is over
        await conn.execute(
            "UPDATE proposals SET status = 'rejected', updated_at = now() - interval '2000 days'"
            " WHERE participant_id = $1",
            created["participant_id"],
        )
    finally:
        await conn.close()
    erased = await client.post(f"/residents/{created['participant_id']}/erasure")
    assert erased.status_code == 200, erased.text
    async with _resident(app, "10.2.0.3") as browser:
        answer = await browser.post("/proposals/status", json=_ask(created))
        unknown = await browser.post(
            "/proposals/status", json=_ask(created, receipt_code="ZZZZ2345")
        )

    assert answer.status_code == 404
    assert answer.content == unknown.content


async def test_a_malformed_body_names_the_field_and_never_echoes_it(app: FastAPI) -> None:
    async with _resident(app, "10.2.0.4") as browser:
        answer = await browser.post(
            "/proposals/status", json={"receipt_code": "AB2C3D4E", "birth_date": "31-12-1950"}
        )

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["birth_date"]
    assert "31-12-1950" not in answer.text


async def test_too_many_failures_block_the_address_on_every_receipt_code_route(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    created = await _propose(client, 205)
    wrong = _ask(created, birth_date="1990-12-31")
    async with _resident(app, "10.2.0.5") as browser:
        failures = [(await browser.post("/proposals/status", json=wrong)).status_code]
        while failures[-1] == 404 and len(failures) <= FAILURE_LIMIT:
            failures.append((await browser.post("/proposals/status", json=wrong)).status_code)
        right = await browser.post("/proposals/status", json=_ask(created))
        by_number = await browser.get(
            f"/proposals/{created['proposal_id']}",
            params={"receipt_code": created["receipt_code"]},
        )
    async with _resident(app, "10.2.0.6") as elsewhere:
        unaffected = await elsewhere.post("/proposals/status", json=_ask(created))

    assert failures == [404] * FAILURE_LIMIT + [429]
    assert right.status_code == 429  # even the right code and birth date, for a while
    assert right.json()["errors"][0]["rule"] == "TOO_MANY_ATTEMPTS"
    assert by_number.status_code == 429  # the proposal number's route counts them too
    assert unaffected.status_code == 200
