"""A resident's right of access, against the real Postgres, Kafka and Keycloak: enrollment
and the audit service run in this process on the module's database and topics, with
verification deciding. Enrollment reads the audit trail as itself (its own Keycloak client,
role resident-access, the token verified by the audit service). A resident proposed by
siti.dinsos asks with their receipt code, NIK and birth date and gets their own data, who
holds what, and every decision from the trail — and nothing of another resident."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from enrollment.adapters.audit_client import AuditTrail, ServiceToken, audit_trail
from enrollment.bootstrap import build_app, build_runtime
from enrollment.settings import EnrollmentSettings
from fastapi import FastAPI
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_audit.bootstrap import build_app as audit_app
from jkn_audit.bootstrap import build_runtime as audit_runtime
from jkn_bus import BusSettings, ServiceRuntime
from jkn_devstack.tokens import DevTokenAuth
from support.polling import eventually
from verification.bootstrap import build_runtime as verification_runtime
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

FAILURE_LIMIT = 30  # ENROLLMENT_STATUS_FAILURES_PER_10MIN's default (the receipt-code route's)


def _bus(service: str, database: dict[str, str], topic_prefix: str) -> BusSettings:
    return BusSettings(
        service=service, database_url=database[service], kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix, relay_poll_interval_s=0.2,
    )  # fmt: skip


@pytest.fixture(scope="module")
async def audit(database: dict[str, str], topic_prefix: str) -> AsyncIterator[FastAPI]:
    """The audit service (consuming every topic of the module, serving its history)."""
    application = audit_app(audit_runtime(_bus("audit", database, topic_prefix)))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def trail(audit: FastAPI) -> AsyncIterator[AuditTrail]:
    """Enrollment's client of the audit service: Keycloak's token endpoint for real, the
    audit app in this process as its transport."""
    issuer = BusSettings(service="enrollment").jkn_oidc_issuer
    configured = audit_trail(issuer, EnrollmentSettings.from_env())
    client = AuditTrail("http://audit", configured.auth, transport=httpx.ASGITransport(audit))
    await configured.aclose()
    yield client
    await client.aclose()


@pytest.fixture(scope="module")
async def app(
    enrollment_settings: BusSettings, trail: AuditTrail, database: dict[str, str], topic_prefix: str
) -> AsyncIterator[FastAPI]:
    """Enrollment, reading decisions from the audit service; Dinkes decides meanwhile."""
    dinkes: ServiceRuntime = verification_runtime(
        VerificationSettings(quota_total=10), _bus("verification", database, topic_prefix)
    )
    application = build_app(build_runtime(enrollment_settings), audit_trail=trail)
    await dinkes.start()
    async with application.router.lifespan_context(application):
        yield application
    await dinkes.stop()


def _resident(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A resident's browser: no token, its own client address (the failure limit's key)."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://enrollment")


async def _trail_has(url: str, participant_id: str, event_type: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT payload, actor_agency, actor_kind FROM audit_log"
            " WHERE participant_id = $1 AND event_type = $2",
            participant_id,
            event_type,
        )
        return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def rejected(client: httpx.AsyncClient, database: dict[str, str]) -> dict[str, Any]:
    """A resident siti.dinsos proposed and Dinkes rejected (the synthetic registries do not
    know them), both facts in the audit trail; and another resident proposed beside them."""
    sent = form(81, phone="081255500081")
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    other = await client.post("/proposals", json=form(82, phone="081255500082"))
    assert other.status_code == 201, other.text
    pid = answer.json()["participant_id"]
    await eventually(lambda: _trail_has(database["audit"], pid, "VerificationRejected"), timeout=60)
    return {**sent, **answer.json(), "other": {**form(82), **other.json()}}


def _ask(resident: dict[str, Any], **changes: str) -> dict[str, str]:
    return {
        "receipt_code": resident["receipt_code"],
        "nik": resident["nik"],
        "birth_date": resident["birth_date"],
        **changes,
    }


async def test_a_resident_sees_their_data_who_holds_it_and_every_decision_from_the_trail(
    app: FastAPI, rejected: dict[str, Any], database: dict[str, str]
) -> None:
    async with _resident(app, "10.1.0.1") as browser:
        answer = await browser.post("/residents/access", json=_ask(rejected))

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    doc = answer.json()
    assert doc["complete"] is True
    assert doc["participant_id"] == rejected["participant_id"]
    (proposal,) = doc["held_by_dinsos"]["proposals"]
    data = {d["field"]: d["value"] for d in proposal["data"]}
    assert data["nik"] == rejected["nik"]
    assert data["name"] == rejected["name"]
    assert data["birth_date"] == rejected["birth_date"]
    assert data["phone"] == "+6281255500081"  # as Dinas Sosial keeps it (E.164)
    assert proposal["source"]["label"] == "Data Terpadu Kesejahteraan Sosial (DTKS/DTSEN)"
    agencies = {h["service"]: h["agency"] for h in doc["holders"]["agencies"]}
    assert agencies["verification"] == "Dinas Kesehatan"
    facts = doc["decisions"]["facts"]
    kinds = [f["event_type"] for f in facts]
    assert kinds[0] == "ParticipantRegistered"
    assert "VerificationRejected" in kinds
    rejection = facts[kinds.index("VerificationRejected")]
    assert rejection["what"] == "Tidak lolos verifikasi Dinas Kesehatan"
    assert rejection["agency"]["code"] == "dinkes"
    assert rejection["reasons"]  # the reason codes Dinkes stated
    other = rejected["other"]
    for value in (other["nik"], other["name"], other["kk"], other["participant_id"]):
        assert value not in answer.text
    # the answer is a fact in the trail: asked by the resident, no officer as actor
    answered = await eventually(
        lambda: _trail_has(database["audit"], rejected["participant_id"], "AccessRequestAnswered")
    )
    assert answered[0]["payload"]["requested_by"] == "resident"
    assert answered[0]["payload"]["decisions"] == len(facts)
    assert answered[0]["actor_agency"] is None


async def test_the_report_is_in_english_when_asked_for(
    app: FastAPI, rejected: dict[str, Any]
) -> None:
    async with _resident(app, "10.1.0.2") as browser:
        by_body = await browser.post("/residents/access", json=_ask(rejected, lang="en"))
        by_header = await browser.post(
            "/residents/access", json=_ask(rejected), headers={"accept-language": "en-US,en"}
        )

    for answer in (by_body, by_header):
        assert answer.status_code == 200, answer.text
        assert answer.json()["title"] == "Your personal data in the JKN Daerah programme (PBI APBD)"


async def test_a_wrong_nik_birth_date_or_code_are_the_same_404(
    app: FastAPI, rejected: dict[str, Any]
) -> None:
    other = rejected["other"]
    async with _resident(app, "10.1.0.3") as browser:
        answers = [
            await browser.post("/residents/access", json=_ask(rejected, **changes))
            for changes in (
                {"nik": other["nik"]},  # a real resident's NIK, but not this code's
                {"birth_date": "1950-01-01"},
                {"receipt_code": other["receipt_code"]},
                {"nik": "1571010101990009"},  # nobody proposed
            )
        ]

    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["errors"][0]["rule"] == "NOT_FOUND"


async def test_too_many_failures_block_the_address_on_both_receipt_code_routes(
    app: FastAPI, rejected: dict[str, Any]
) -> None:
    wrong = _ask(rejected, receipt_code="WRONG234")
    async with _resident(app, "10.1.0.4") as browser:
        failures = [(await browser.post("/residents/access", json=wrong)).status_code]
        while failures[-1] == 404 and len(failures) <= FAILURE_LIMIT:
            failures.append((await browser.post("/residents/access", json=wrong)).status_code)
        right = await browser.post("/residents/access", json=_ask(rejected))
        status = await browser.get(
            f"/proposals/{rejected['proposal_id']}",
            params={"receipt_code": rejected["receipt_code"]},
        )
    async with _resident(app, "10.1.0.5") as elsewhere:
        unaffected = await elsewhere.post("/residents/access", json=_ask(rejected))

    assert failures == [404] * FAILURE_LIMIT + [429]
    assert right.status_code == 429  # even the right factors, until the window passes
    assert right.json()["errors"][0]["rule"] == "TOO_MANY_ATTEMPTS"
    assert status.status_code == 429  # the receipt-code status counts the same failures
    assert unaffected.status_code == 200


async def test_rejects_a_malformed_request_without_counting_it_as_a_guess(app: FastAPI) -> None:
    async with _resident(app, "10.1.0.6") as browser:
        answer = await browser.post("/residents/access", json={"nik": "123"})

    assert answer.status_code == 422
    rules = {(e["field"], e["rule"]) for e in answer.json()["errors"]}
    assert rules == {
        ("receipt_code", "REQUIRED"),
        ("nik", "NIK_FORMAT"),
        ("birth_date", "DATE_FORMAT"),
    }
    assert "123" not in answer.text


async def test_an_officer_exports_the_report_and_only_a_dinsos_officer_may(
    app: FastAPI, client: httpx.AsyncClient, rejected: dict[str, Any], database: dict[str, str]
) -> None:
    path = f"/residents/{rejected['participant_id']}/access-report"
    exported = await client.get(path)
    printed = await client.get(path, params={"format": "text"})
    async with _resident(app, "10.1.0.7") as anyone:
        refused = {
            name: (await anyone.get(path, auth=DevTokenAuth(name))).status_code
            for name in ("rina.dinkes", "hana.auditor", "budi.kelurahan", "enrollment")
        }
        anonymous = await anyone.get(path)
    unknown = await client.get("/residents/P" + "0" * 24 + "/access-report")

    assert exported.status_code == 200, exported.text
    assert exported.json()["held_by_dinsos"]["proposals"][0]["data"][0]["value"] == rejected["nik"]
    assert printed.status_code == 200
    assert printed.headers["content-type"].startswith("text/plain")
    assert "Semua keputusan tentang Anda" in printed.text
    assert "Tidak lolos verifikasi Dinas Kesehatan" in printed.text
    assert refused == {name: 403 for name in refused}
    assert anonymous.status_code == 401
    assert unknown.status_code == 404
    answered = await eventually(
        lambda: _officer_answers(database["audit"], rejected["participant_id"])
    )
    assert answered[0]["actor_agency"] == "dinsos"
    assert answered[0]["actor_kind"] == "person"


async def _officer_answers(url: str, participant_id: str) -> list[dict[str, Any]]:
    answers = await _trail_has(url, participant_id, "AccessRequestAnswered")
    return [a for a in answers if a["payload"]["requested_by"] == "officer"]


async def test_an_unreachable_audit_trail_is_a_503_never_a_partial_report(
    app: FastAPI, rejected: dict[str, Any], trail: AuditTrail
) -> None:
    nowhere = AuditTrail("http://127.0.0.1:9", trail.auth)
    app.state.audit_trail = nowhere
    try:
        async with _resident(app, "10.1.0.8") as browser:
            answer = await browser.post("/residents/access", json=_ask(rejected))
    finally:
        app.state.audit_trail = trail
        await nowhere.aclose()

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "60"
    assert answer.json()["errors"][0] == {
        "field": "decisions",
        "rule": "AUDIT_UNREACHABLE",
        "message": answer.json()["errors"][0]["message"],
    }
    assert rejected["nik"] not in answer.text


async def test_enrollment_keeps_its_token_until_it_expires(trail: AuditTrail) -> None:
    auth: ServiceToken = trail.auth
    before = auth.fetches
    await trail.history("P" + "1" * 24)
    await trail.history("P" + "2" * 24)

    assert auth.fetches - before <= 1  # at most the first token of the module, then reused
