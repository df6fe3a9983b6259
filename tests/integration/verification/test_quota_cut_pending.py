"""One pending quota cut per budget year (app.quota_cuts), against the real Postgres: a second
cut is refused while one waits (409 ``quota_cut_pending``, naming the waiting cut), also when
two verifiers ask at the same moment (the quota row lock serialises them); a raise applies
even then, and the waiting cut, previewed against the old total, is refused at approval
(409 ``quota_changed_since_preview``) until it is rejected. ``http`` is rina.dinkes (the
maker), ``checker`` a second Dinkes verifier (conftest)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from integration.verification.conftest import INITIAL_QUOTA
from jkn_bus import ServiceRuntime

pytestmark = pytest.mark.infra


async def _quota(http: httpx.AsyncClient) -> dict[str, Any]:
    quota: dict[str, Any] = (await http.get("/quota")).json()
    return quota


async def _ask(http: httpx.AsyncClient, year: int, total: int) -> dict[str, Any]:
    asked = await http.put("/quota", json={"budget_year": year, "total": total})
    assert asked.status_code == 202, asked.text
    cut: dict[str, Any] = asked.json()
    return cut


def _refused_for(answer: httpx.Response, cut: dict[str, Any]) -> None:
    """``answer`` is the refusal of a cut while ``cut`` waits, naming it."""
    assert answer.status_code == 409, answer.text
    detail = answer.json()["detail"]
    assert (detail["field"], detail["rule"]) == ("total", "quota_cut_pending")
    assert (detail["cut_id"], detail["status_url"]) == (cut["cut_id"], cut["status_url"])


async def _pending_cuts(runtime: ServiceRuntime, year: int) -> list[uuid.UUID]:
    rows = await runtime.pool.fetch(
        "SELECT cut_id FROM quota_cuts WHERE budget_year = $1 AND status = 'pending'", year
    )
    return [r["cut_id"] for r in rows]


async def test_a_second_cut_of_the_year_is_refused_while_one_is_pending(
    http: httpx.AsyncClient, checker: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    year = (await _quota(http))["budget_year"]
    first_setting = await http.put("/quota", json={"budget_year": year, "total": INITIAL_QUOTA})
    assert first_setting.status_code == 200, first_setting.text

    waiting = await _ask(http, year, INITIAL_QUOTA - 100)
    # another verifier's cut, and the maker's own second thought: both refused, naming it
    _refused_for(await checker.put("/quota", json={"budget_year": year, "total": 800}), waiting)
    _refused_for(await http.put("/quota", json={"budget_year": year, "total": 950}), waiting)
    assert (await _quota(http))["total"] == INITIAL_QUOTA
    assert await _pending_cuts(runtime, year) == [uuid.UUID(waiting["cut_id"])]

    # decided (here rejected), the year takes a cut again; two asked for at once: one waits
    rejected = await checker.post(waiting["reject_url"])
    assert rejected.json()["status"] == "rejected", rejected.text
    answers = await asyncio.gather(
        http.put("/quota", json={"budget_year": year, "total": 900}),
        checker.put("/quota", json={"budget_year": year, "total": 850}),
    )
    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    (accepted,) = [a.json() for a in answers if a.status_code == 202]
    (refused,) = [a for a in answers if a.status_code == 409]
    _refused_for(refused, accepted)
    assert await _pending_cuts(runtime, year) == [uuid.UUID(accepted["cut_id"])]

    rejected = await http.post(accepted["reject_url"])  # leave the year with no pending cut
    assert rejected.json()["status"] == "rejected", rejected.text


async def test_a_raise_applies_while_a_cut_is_pending_which_then_can_only_be_rejected(
    http: httpx.AsyncClient, checker: httpx.AsyncClient, runtime: ServiceRuntime
) -> None:
    quota = await _quota(http)
    year, total = quota["budget_year"], quota["total"]
    assert await _pending_cuts(runtime, year) == []
    cut = await _ask(http, year, total - 10)
    assert cut["preview"]["previous_total"] == total

    raised = await checker.put("/quota", json={"budget_year": year, "total": total + 20})
    assert raised.status_code == 200, raised.text  # a raise never waits for a second person
    assert raised.json()["total"] == total + 20

    outdated = await checker.post(cut["approve_url"])
    assert outdated.status_code == 409, outdated.text
    detail = outdated.json()["detail"]
    assert (detail["rule"], detail["status"]) == ("quota_changed_since_preview", "pending")
    assert (await _quota(http))["total"] == total + 20  # the stale cut applied nothing
    assert (await http.get(cut["status_url"])).json()["status"] == "pending"
    _refused_for(await http.put("/quota", json={"budget_year": year, "total": total}), cut)

    assert (await http.post(cut["reject_url"])).json()["status"] == "rejected"
    fresh = await _ask(http, year, total)  # previewed against the raised total
    assert fresh["preview"]["previous_total"] == total + 20
    approved = await checker.post(fresh["approve_url"])
    assert approved.status_code == 200, approved.text
    assert (await _quota(http))["total"] == total
