"""A quota cut is a two-person act (app.quota_cuts): PUT /quota lowering the total stores it
pending with its preview and changes nothing; a second Dinkes verifier's approval applies
it, once; a rejection applies nothing; a raise applies at once. A cut larger than
JKN_MAX_QUOTA_CUT_SHARE of the year's total, or below the slots in use, is refused at once as
before. Against the real Postgres and Kafka, with rina.dinkes's real token (the maker) and a
second verifier (``checker``, conftest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from integration.verification.scenario import People, registered
from integration.verification.test_verification_flow import Send, verified
from jkn_contracts import QuotaChanged, QuotaCutApproved, QuotaCutRejected
from support.kafka import Collector
from support.polling import eventually
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

TOTAL = 4  # small, so that a few verifications fill it
SHARE = 0.25  # 4 -> 3 is a cut of 25 %: allowed; 4 -> 1 is not


@pytest.fixture(scope="module")
def settings(reference_dir: Path) -> VerificationSettings:
    """This module's service: a small quota and a 25 % cut limit."""
    return VerificationSettings(
        quota_total=TOTAL, reference_dir=reference_dir, max_quota_cut_share=SHARE
    )


async def _year_and_total(http: httpx.AsyncClient) -> tuple[int, int]:
    quota = (await http.get("/quota")).json()
    return quota["budget_year"], quota["total"]


async def _ask(http: httpx.AsyncClient, year: int, total: int) -> dict[str, Any]:
    asked = await http.put("/quota", json={"budget_year": year, "total": total})
    assert asked.status_code == 202, asked.text
    cut: dict[str, Any] = asked.json()
    assert cut["status"] == "pending"
    return cut


async def _facts(published: Collector, kind: type, count: int) -> list[Any]:
    async def found() -> list[Any]:
        facts = [e for e in published.events if isinstance(e, kind)]
        return facts if len(facts) >= count else []

    return await eventually(found)


async def test_a_cut_is_pending_until_a_second_verifier_approves_it_once(
    http: httpx.AsyncClient, checker: httpx.AsyncClient, published: Collector
) -> None:
    year, _ = await _year_and_total(http)
    first = await http.put("/quota", json={"budget_year": year, "total": TOTAL})
    assert first.status_code == 200, first.text  # the year's first setting: at once

    refused = await http.put("/quota", json={"budget_year": year, "total": 1})
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert (detail["field"], detail["rule"]) == ("total", "quota_cut_too_large")
    assert (detail["previous_total"], detail["max_share"]) == (TOTAL, SHARE)

    cut = await _ask(http, year, TOTAL - 1)
    assert cut["budget_year"] == year
    assert cut["preview"] == {
        "previous_total": TOTAL,
        "used": 0,
        "free": TOTAL,
        "total": TOTAL - 1,
        "free_after": TOTAL - 1,
        "waiting": 0,
    }
    assert (await http.get("/quota")).json()["total"] == TOTAL  # nothing changed yet
    shown = (await http.get(cut["status_url"])).json()
    assert (shown["status"], shown["decided_by"]) == ("pending", None)

    own = await http.post(cut["approve_url"])
    assert (own.status_code, own.json()["reason"]) == (403, "SAME_PERSON")
    assert (await http.get("/quota")).json()["total"] == TOTAL

    approved = await checker.post(cut["approve_url"])
    assert approved.status_code == 200, approved.text
    decided = approved.json()
    assert decided["status"] == "approved"
    assert decided["decided_by"]["agency"] == "dinkes"
    assert decided["decided_by"]["id"] != decided["requested_by"]["id"]
    assert (await http.get("/quota")).json()["total"] == TOTAL - 1

    again = await checker.post(cut["approve_url"])
    assert again.status_code == 409, again.text
    assert (again.json()["detail"]["rule"], again.json()["detail"]["status"]) == (
        "ALREADY_DECIDED",
        "approved",
    )
    unknown = await checker.post("/quota/cuts/00000000-0000-0000-0000-000000000000/approve")
    assert unknown.status_code == 404

    # stated once: the decision (checker as actor, maker in the payload), then the change
    # it caused (checker as actor)
    (decision,) = await _facts(published, QuotaCutApproved, 1)

    async def caused() -> list[QuotaChanged]:
        return [
            e
            for e in published.events
            if isinstance(e, QuotaChanged) and e.causation_id == decision.event_id
        ]

    applied = await eventually(caused)
    assert len(applied) == 1
    assert (applied[0].payload.previous_total, applied[0].payload.total) == (TOTAL, TOTAL - 1)
    assert applied[0].actor == decision.actor
    assert decision.actor is not None
    assert decision.actor.id == decided["decided_by"]["id"]
    assert decision.payload.requested_by.id == decided["requested_by"]["id"]
    assert str(decision.payload.cut_id) == cut["cut_id"]


async def test_a_raise_applies_at_once_and_a_rejected_cut_applies_nothing(
    http: httpx.AsyncClient, checker: httpx.AsyncClient, published: Collector
) -> None:
    year, total = await _year_and_total(http)
    raised = await http.put("/quota", json={"budget_year": year, "total": TOTAL})
    assert raised.status_code == 200, raised.text
    assert raised.json()["total"] == TOTAL == total + 1

    cut = await _ask(http, year, TOTAL - 1)
    rejected = await http.post(cut["reject_url"])  # the maker may discard their own cut
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert (await http.get("/quota")).json()["total"] == TOTAL
    late = await checker.post(cut["approve_url"])
    assert (late.status_code, late.json()["detail"]["status"]) == (409, "rejected")

    (decision,) = await _facts(published, QuotaCutRejected, 1)
    assert str(decision.payload.cut_id) == cut["cut_id"]
    assert all(c.causation_id != decision.event_id for c in published.events)


async def test_an_approval_finding_the_slots_taken_meanwhile_is_refused_and_stays_pending(
    http: httpx.AsyncClient,
    checker: httpx.AsyncClient,
    send: Send,
    published: Collector,
    people: People,
) -> None:
    year, total = await _year_and_total(http)
    assert total == TOTAL
    for _ in range(TOTAL - 1):
        await verified(send, published, registered(people.eligible()))
    cut = await _ask(http, year, TOTAL - 1)  # exactly the slots in use: allowed
    assert cut["preview"]["used"] == TOTAL - 1
    await verified(send, published, registered(people.eligible()))  # one more slot taken

    refused = await checker.post(cut["approve_url"])
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert (detail["rule"], detail["status"]) == ("quota_below_used", "pending")
    quota = (await http.get("/quota")).json()
    assert (quota["total"], quota["used"]) == (TOTAL, TOTAL)
    assert (await http.get(cut["status_url"])).json()["status"] == "pending"
    assert (await http.post(cut["reject_url"])).json()["status"] == "rejected"
