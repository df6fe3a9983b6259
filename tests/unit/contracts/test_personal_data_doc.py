"""contracts/personal-data.md: the minimal events, per event and per consumer."""

from __future__ import annotations

from jkn_contracts import CONSUMERS, EVENT_TYPES, Resident, topic_for
from jkn_contracts._generate import CONTRACTS_DIR
from jkn_contracts.personal import NEEDS, PERSONAL_FIELDS, needed_fields, needs_markdown


def test_the_committed_document_is_generated_from_the_table() -> None:
    committed = (CONTRACTS_DIR / "personal-data.md").read_text(encoding="utf-8")
    assert committed == needs_markdown(), (
        "contracts/personal-data.md is stale: see its first lines for the command"
    )


def test_personal_fields_are_the_resident_s_fields() -> None:
    assert set(PERSONAL_FIELDS) == set(Resident.model_fields)


def test_every_reader_of_an_event_s_topic_says_what_it_needs() -> None:
    for event in {need.event for need in NEEDS}:
        assert event in EVENT_TYPES
        readers = {group for group, topics in CONSUMERS.items() if topic_for(event) in topics}
        listed = [need.consumer for need in NEEDS if need.event == event]
        assert sorted(listed) == sorted(readers), event
        for need in NEEDS:
            assert set(need.fields) <= set(PERSONAL_FIELDS), need
            assert need.why.strip(), need


def test_a_field_no_consumer_needs_travels_in_no_event() -> None:
    carried = {f for event in {n.event for n in NEEDS} for f in needed_fields(event)}
    assert "address" not in carried
    assert needed_fields("CoverageCheckRequested") == ("nik",)
    assert needed_fields("ParticipantVerified") == (
        "nik", "kk", "name", "sex", "birth_date", "phone", "email",
    )  # fmt: skip
