"""The audit trail keeps who acted with each fact, chains agencies' acts about no resident
like every other fact, and rows appended before actors were recorded still verify."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from typing import Any

from jkn_audit.domain.chain import GENESIS, ChainWalker, canonical_json, chain_hash
from jkn_audit.domain.entries import ACTOR_FIELDS, AuditEntry, describe
from jkn_audit.entrypoints.http import act_view, history_view
from jkn_contracts import Actor, FeedbackAnswered, QuotaChanged, SlotReleased

PID = "P" + "3c" * 12
VERIFIER = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def released(actor: Actor | None = None) -> SlotReleased:
    return SlotReleased(
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        actor=actor,
        payload={"reason": "pindah", "quota_used": 9, "quota_total": 10},
    )


def entry_of(event: Any, seq: int = 1) -> AuditEntry:
    described = describe(event, topic="jkn.x", partition=0, offset=seq, recorded_at=NOW)
    return dataclasses.replace(described, seq=seq)


def verifies(*entries: AuditEntry, hashes: list[str] | None = None) -> str | None:
    walker, previous, stored = ChainWalker(), GENESIS, []
    for entry in entries:
        previous = chain_hash(previous, entry.content())
        stored.append(previous)
    for entry, stored_hash in zip(entries, hashes or stored, strict=True):
        reason = walker.check(entry.seq, entry.content(), stored_hash)
        if reason is not None:
            return reason
    return None


def test_an_entry_keeps_who_acted() -> None:
    entry = entry_of(released(VERIFIER))
    assert (entry.actor_id, entry.actor_agency, entry.actor_kind) == (
        VERIFIER.id,
        "dinkes",
        "person",
    )
    assert entry.content()["actor_id"] == VERIFIER.id
    assert history_view(entry)["actor"] == {"id": VERIFIER.id, "agency": "dinkes", "kind": "person"}


def test_a_fact_nobody_commanded_hashes_exactly_as_rows_did_before_actors_were_recorded() -> None:
    entry = entry_of(released())
    content = entry.content()
    assert not set(ACTOR_FIELDS) & set(content)
    legacy = {f.name: getattr(entry, f.name) for f in dataclasses.fields(entry)}
    # a row from before actors (and chains: the chain number is not hashed) were recorded
    legacy = {k: v for k, v in legacy.items() if k not in {*ACTOR_FIELDS, "chain"}}
    legacy["reasons"] = list(entry.reasons)
    assert canonical_json(content) == canonical_json(legacy)
    assert history_view(entry)["actor"] is None


def test_adding_or_removing_an_actor_on_a_stored_row_breaks_its_hash() -> None:
    anonymous, acted = entry_of(released(), seq=1), entry_of(released(VERIFIER), seq=2)
    first = chain_hash(GENESIS, anonymous.content())
    second = chain_hash(first, acted.content())
    assert verifies(anonymous, acted, hashes=[first, second]) is None

    blamed = dataclasses.replace(anonymous, actor_agency="dinsos")  # an actor pinned on later
    assert verifies(blamed, acted, hashes=[first, second]) is not None
    erased = dataclasses.replace(acted, actor_id=None, actor_agency=None, actor_kind=None)
    assert verifies(anonymous, erased, hashes=[first, second]) is not None
    swapped = dataclasses.replace(acted, actor_id="act_" + "00" * 12)
    assert verifies(anonymous, swapped, hashes=[first, second]) is not None


def test_an_agency_s_act_joins_the_chain_with_no_participant() -> None:
    changed = QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=VERIFIER,
        payload={"budget_year": 2026, "previous_total": 10, "total": 12, "used": 10},
    )
    answered = FeedbackAnswered(
        correlation_id=uuid.uuid4(),
        actor=Actor(id="act_" + "c5" * 12, agency="dinkes", kind="person"),
        payload={
            "tracking_number": "ADU-2026-000042",
            "kind": "pengaduan",
            "agency": "dinkes",
            "due_date": date(2026, 3, 7),
            "overdue": False,
        },
    )
    quota, feedback = entry_of(changed, seq=1), entry_of(answered, seq=2)
    assert verifies(quota, feedback) is None
    assert (quota.participant_id, quota.decision, quota.actor_id) == (
        None,
        "quota_changed",
        VERIFIER.id,
    )
    assert quota.payload["total"] == 12
    assert (feedback.decision, feedback.evidence_ref) == ("feedback_answered", "ADU-2026-000042")
    view = act_view(quota)
    assert view["participant_id"] is None
    assert view["payload"]["previous_total"] == 10  # what changed, shown to the auditor
    assert "payload" not in act_view(entry_of(released(VERIFIER)))  # a resident's: no payload
