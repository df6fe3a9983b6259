"""The audit log's hash chain and what an entry keeps of an event (pure, no I/O)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from jkn_audit.domain.chain import GENESIS, ChainWalker, canonical_json, chain_hash
from jkn_audit.domain.entries import REDACTED, describe
from jkn_contracts import (
    DeactivationRequested,
    ParticipantRegistered,
    VerificationRejected,
    parse_event,
    participant_id_for,
)
from jkn_contracts.legacy import ParticipantRegisteredV1
from support.sealed import sealed_event

NIK = "1571014508800003"
PID = participant_id_for(NIK, "test-key")


def chained(contents: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any], str]]:
    rows, previous = [], GENESIS
    for seq, content in enumerate(contents, start=1):
        previous = chain_hash(previous, {**content, "seq": seq})
        rows.append((seq, {**content, "seq": seq}, previous))
    return rows


def first_break(rows: list[tuple[int, dict[str, Any], str]]) -> tuple[int, str] | None:
    walker = ChainWalker()
    for seq, content, stored in rows:
        reason = walker.check(seq, content, stored)
        if reason is not None:
            return seq, reason
    return None


def test_a_row_hash_is_sha256_of_the_previous_hash_then_canonical_json() -> None:
    content = {"b": [1, "ä"], "a": None}
    expected = hashlib.sha256(GENESIS.encode() + '{"a":null,"b":[1,"ä"]}'.encode()).hexdigest()
    assert chain_hash(GENESIS, content) == expected
    assert canonical_json({"a": None, "b": [1, "ä"]}) == canonical_json(content)


def test_each_hash_depends_on_the_one_before() -> None:
    assert chain_hash(GENESIS, {"x": 1}) != chain_hash("1" * 64, {"x": 1})


def test_an_untouched_chain_verifies() -> None:
    rows = chained([{"what": "proposed"}, {"what": "verified"}, {"what": "activated"}])
    assert first_break(rows) is None


def test_a_changed_row_breaks_the_chain_at_that_row() -> None:
    rows = chained([{"what": "proposed"}, {"what": "rejected"}, {"what": "told"}])
    seq, content, stored = rows[1]
    rows[1] = (seq, {**content, "what": "verified"}, stored)
    assert first_break(rows) == (2, "hash mismatch: this row, or the row before it, was changed")


def test_a_changed_and_rehashed_row_breaks_the_chain_at_the_next_row() -> None:
    rows = chained([{"what": "proposed"}, {"what": "rejected"}, {"what": "told"}])
    forged = {**rows[1][1], "what": "verified"}
    rows[1] = (2, forged, chain_hash(rows[0][2], forged))
    assert first_break(rows) == (3, "hash mismatch: this row, or the row before it, was changed")


def test_a_deleted_row_is_named_by_the_gap_it_leaves() -> None:
    rows = chained([{"what": "proposed"}, {"what": "rejected"}, {"what": "told"}])
    del rows[1]
    assert first_break(rows) == (3, "row(s) missing: expected seq 2, found seq 3")


SITI = {
    "nik": NIK,
    "kk": "1571010101200001",
    "name": "SITI AMINAH",
    "sex": "P",
    "birth_date": date(1980, 8, 5),
    "kelurahan": "1571011001",
    "phone": "+6281234567890",
}


def test_an_entry_keeps_who_what_when_why_and_evidence_but_no_personal_data() -> None:
    registered = sealed_event(
        ParticipantRegistered,
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=7))),
        personal=SITI,
        payload={
            "proposal_id": uuid.uuid4(),
            "source": "walk_in",
            "proposed_by": "officer-7",
            "nik_warnings": ["NIK_DATE"],
        },
    )
    entry = describe(registered, topic="t", partition=1, offset=7, recorded_at=datetime.now(UTC))
    text = canonical_json(entry.content()).decode()
    assert NIK not in text
    assert "SITI" not in text
    assert "+6281234567890" not in text
    # the trail keeps the ciphertext (its hash covers it), unreadable once the key is gone
    assert entry.payload["personal"] == registered.payload.personal.model_dump()
    assert (entry.producer, entry.event_type, entry.decision) == (
        "dinsos",
        "ParticipantRegistered",
        "proposed",
    )
    assert entry.reasons == ("NIK_DATE",)
    assert entry.occurred_at == "2026-03-01T02:30:00.000000+00:00"


def test_a_version_1_record_read_back_from_the_topic_is_kept_without_its_clear_fields() -> None:
    legacy = ParticipantRegisteredV1(
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        payload={
            "proposal_id": uuid.uuid4(),
            "source": "walk_in",
            "resident": SITI,
            "proposed_by": "officer-7",
        },
    )
    parsed = parse_event(legacy.model_dump_json())
    assert isinstance(parsed, ParticipantRegisteredV1)
    entry = describe(parsed, topic="t", partition=1, offset=8, recorded_at=datetime.now(UTC))
    text = canonical_json(entry.content()).decode()
    assert NIK not in text
    assert "SITI" not in text
    assert entry.payload["resident"] == REDACTED


def test_reason_codes_and_evidence_are_extracted() -> None:
    rejected = VerificationRejected(
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        payload={
            "proposal_id": uuid.uuid4(),
            "reasons": [
                {"code": "NOT_IN_DTKS", "message": "Tidak terdaftar di DTKS."},
                {"code": "ALREADY_PBI_APBN", "message": "Sudah PBI APBN."},
            ],
        },
    )
    requested = DeactivationRequested(
        participant_id=PID,
        correlation_id=uuid.uuid4(),
        payload={
            "reason": "meninggal",
            "evidence_ref": "akta-kematian/2026/17",
            "reported_by": "kel-1",
        },
    )
    now = datetime.now(UTC)
    r = describe(rejected, topic="t", partition=0, offset=1, recorded_at=now)
    d = describe(requested, topic="t", partition=0, offset=2, recorded_at=now)
    assert (r.decision, r.reasons) == ("rejected", ("NOT_IN_DTKS", "ALREADY_PBI_APBN"))
    assert (d.decision, d.reasons, d.evidence_ref) == (
        "deactivation_requested",
        ("meninggal",),
        "akta-kematian/2026/17",
    )
