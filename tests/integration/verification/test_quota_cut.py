"""A quota cut larger than JKN_MAX_QUOTA_CUT_SHARE of the year's total is refused (422
quota_cut_too_large): the quota stays, nothing is stated. Against the real Postgres and
Kafka, with rina.dinkes's real token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

TOTAL = 200


@pytest.fixture(scope="module")
def settings(reference_dir: Path) -> VerificationSettings:
    """This module's service: the default cut limit (10 %)."""
    return VerificationSettings(quota_total=TOTAL, reference_dir=reference_dir)


async def test_a_cut_beyond_the_share_is_refused_and_a_smaller_one_is_made(
    http: httpx.AsyncClient,
) -> None:
    year = (await http.get("/quota")).json()["budget_year"]
    first = await http.put("/quota", json={"budget_year": year, "total": TOTAL})
    assert first.status_code == 200, first.text

    refused = await http.put("/quota", json={"budget_year": year, "total": 20})  # a typo of 200?
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert (detail["field"], detail["rule"]) == ("total", "quota_cut_too_large")
    assert (detail["previous_total"], detail["max_share"]) == (TOTAL, 0.10)
    assert (await http.get("/quota")).json()["total"] == TOTAL

    made = await http.put("/quota", json={"budget_year": year, "total": TOTAL - 20})
    assert made.status_code == 200, made.text
    assert made.json()["total"] == TOTAL - 20
