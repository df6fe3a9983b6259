"""A quota cut's decision (Dinkes's maker-checker): keyed by the budget year like the
QuotaChanged that applies it, naming the checker as actor and the maker in the payload."""

from __future__ import annotations

import uuid

import pytest
from jkn_contracts import Actor, QuotaChanged, QuotaCutApproved, QuotaCutRejected, topic_for
from jkn_contracts.decisions import Decision, decision_of
from pydantic import ValidationError

MAKER = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")
CHECKER = Actor(id="act_" + "d2" * 12, agency="dinkes", kind="person")


def test_a_cut_s_decision_is_keyed_by_its_year_and_names_maker_and_checker() -> None:
    cut_id = uuid.uuid4()
    payload = {
        "cut_id": cut_id,
        "budget_year": 2026,
        "previous_total": 200,
        "total": 180,
        "requested_by": MAKER,
    }
    approved = QuotaCutApproved(correlation_id=cut_id, actor=CHECKER, payload=payload)
    rejected = QuotaCutRejected(correlation_id=cut_id, actor=MAKER, payload=payload)
    applied = QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=CHECKER,
        payload={"budget_year": 2026, "previous_total": 200, "total": 180, "used": 90},
    )

    # one year's decisions and changes share a key: read in the order they were made
    assert approved.record_key() == rejected.record_key() == applied.record_key()
    assert approved.record_key() == "quota:2026"
    assert topic_for("QuotaCutApproved") == topic_for("QuotaChanged")
    assert (approved.actor, approved.payload.requested_by) == (CHECKER, MAKER)
    assert approved.participant_id is None
    assert decision_of(approved) == Decision("quota_cut_approved", ("budget_year:2026",), None)
    assert decision_of(rejected).decision == "quota_cut_rejected"


def test_a_cut_s_decision_always_names_who_decided_and_who_asked() -> None:
    cut_id = uuid.uuid4()
    base = {"cut_id": cut_id, "budget_year": 2026, "previous_total": 200, "total": 180}
    with pytest.raises(ValidationError):
        QuotaCutApproved(correlation_id=cut_id, payload={**base, "requested_by": MAKER})
    with pytest.raises(ValidationError):
        QuotaCutRejected(correlation_id=cut_id, actor=CHECKER, payload=base)
