"""``AuditEntry.content`` reads the fields one by one instead of ``dataclasses.asdict``: the
chain hashes it, so its canonical JSON must be byte for byte what ``asdict`` gave (rows
appended before keep verifying), with and without an actor, for nested payloads too."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from jkn_audit.domain.chain import GENESIS, canonical_json, chain_hash
from jkn_audit.domain.entries import ACTOR_FIELDS, AuditEntry

NOW = "2026-03-02T01:00:00.000000+00:00"


def entry(**changes: Any) -> AuditEntry:
    base = AuditEntry(
        seq=7,
        event_id=str(uuid.UUID(int=1)),
        event_type="VerificationRejected",
        schema_version=1,
        producer="dinkes",
        participant_id="P" + "ab" * 12,
        correlation_id=str(uuid.UUID(int=2)),
        causation_id=None,
        occurred_at=NOW,
        recorded_at=datetime(2026, 3, 2, 1, 0, 1, tzinfo=UTC).isoformat(timespec="microseconds"),
        topic="jkn.dinkes.verifications",
        partition=3,
        offset=41,
        decision="rejected",
        reasons=("NOT_POOR", "DUPLICATE"),
        evidence_ref=None,
        payload={
            "proposal_id": str(uuid.UUID(int=3)),
            "reasons": [{"code": "NOT_POOR", "message": "desil 7 — di atas batas"}],
            "resident": "[redacted]",
            "nested": {"list": [1, 2.5, None, True], "text": "ü"},
        },
    )
    return dataclasses.replace(base, **changes)


def as_before(subject: AuditEntry) -> dict[str, Any]:
    """What ``content`` returned with ``dataclasses.asdict`` (before there were chains: an
    entry's chain number is not hashed, its chain's genesis ties it to its chain)."""
    content = {**dataclasses.asdict(subject), "reasons": list(subject.reasons)}
    del content["chain"]
    for name in ACTOR_FIELDS:
        if content[name] is None:
            del content[name]
    return content


def test_content_hashes_as_asdict_did_without_an_actor() -> None:
    subject = entry()
    assert canonical_json(subject.content()) == canonical_json(as_before(subject))
    assert chain_hash(GENESIS, subject.content()) == chain_hash(GENESIS, as_before(subject))
    assert not set(ACTOR_FIELDS) & set(subject.content())


def test_content_hashes_as_asdict_did_with_an_actor() -> None:
    subject = entry(actor_id="act_" + "d1" * 12, actor_agency="dinkes", actor_kind="person")
    assert canonical_json(subject.content()) == canonical_json(as_before(subject))
    assert subject.content()["actor_kind"] == "person"


def test_content_keeps_reasons_a_list_and_every_field() -> None:
    subject = entry(causation_id=str(uuid.UUID(int=4)), evidence_ref="bpjs:ref")
    content = subject.content()
    assert content["reasons"] == ["NOT_POOR", "DUPLICATE"]
    expected = {f.name for f in dataclasses.fields(AuditEntry)} - {*ACTOR_FIELDS, "chain"}
    assert set(content) == expected
