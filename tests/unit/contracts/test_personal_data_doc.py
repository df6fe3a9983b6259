"""contracts/personal-data.md: the minimal events, per event and per consumer."""

from __future__ import annotations

import json
from typing import Any

from jkn_contracts import CONSUMERS, EVENT_TYPES, Resident, topic_for
from jkn_contracts._generate import (
    CONTRACTS_DIR,
    build_schemas,
    schema_filename,
    schema_version_of,
)
from jkn_contracts.compat import check_backward_compatible
from jkn_contracts.legacy import LEGACY_V1
from jkn_contracts.personal import (
    NEEDS,
    PERSONAL_DATA_KEY,
    PERSONAL_FIELDS,
    needed_fields,
    needs_markdown,
)


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


# --- the markings in the schemas ---------------------------------------------------------------


def _personal_properties(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Every property marked x-jkn-personal-data, by name, anywhere in the schema."""
    found: dict[str, list[str]] = {}
    for node in [schema, *schema.get("$defs", {}).values()]:
        for name, prop in node.get("properties", {}).items():
            if PERSONAL_DATA_KEY in prop:
                found[name] = prop[PERSONAL_DATA_KEY]
    return found


def test_each_event_with_personal_fields_seals_exactly_what_its_consumers_need() -> None:
    schemas = build_schemas()
    for event in {need.event for need in NEEDS}:
        cls = EVENT_TYPES[event]
        schema = schemas[schema_filename(cls)]
        assert _personal_properties(schema) == {"personal": list(needed_fields(event))}, event
        assert tuple(cls.sealed.model_fields) == needed_fields(event), event  # type: ignore[attr-defined]
        assert schema["$defs"]["Protected"]["properties"]["alg"]["const"] == "A256GCM"


def test_no_fact_carries_a_personal_field_in_clear() -> None:
    # (an agency system's submissions on its inbound topic are another matter: contracts/README)
    clear = {"nik", "kk", "name", "nama", "birth_date", "address", "phone", "email", "resident"}
    facts = {schema_filename(cls) for cls in EVENT_TYPES.values()}
    for name, schema in build_schemas().items():
        if name not in facts:
            continue
        for node in [schema, *schema.get("$defs", {}).values()]:
            assert not clear & set(node.get("properties", {})), name


def test_the_events_that_sealed_their_fields_are_a_new_version_and_v1_is_still_read() -> None:
    published = CONTRACTS_DIR / "published"
    for event, legacy in LEGACY_V1.items():
        assert schema_version_of(EVENT_TYPES[event]) == 2
        assert (published / f"{event}.v2.json").is_file()
        old = json.loads((published / f"{event}.v1.json").read_text(encoding="utf-8"))
        # consumers still read every version-1 record in the topics
        assert check_backward_compatible(old, legacy.model_json_schema(mode="validation")) == []
        # and the new version could not have been a widening of the old one
        assert check_backward_compatible(old, build_schemas()[f"{event}.v2.json"]) != []
