"""Published schema versions stay readable: a change to a version may only widen it.

Every message type with a schema is covered: facts, and the submissions of agencies'
systems and their answers (``MESSAGE_TYPES``)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jkn_contracts import MESSAGE_TYPES
from jkn_contracts._generate import CONTRACTS_DIR, build_schemas, schema_version_of
from jkn_contracts.compat import check_backward_compatible

PUBLISHED = sorted((CONTRACTS_DIR / "published").glob("*.v*.json"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_published_copies_exist() -> None:
    assert PUBLISHED, "contracts/published/ holds no frozen schema"


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_current_models_still_accept_what_a_published_version_accepted(path: Path) -> None:
    event_type, version = path.name.removesuffix(".json").rsplit(".v", 1)
    assert event_type in MESSAGE_TYPES, f"published event {event_type} disappeared"
    current_version = schema_version_of(MESSAGE_TYPES[event_type])
    assert current_version >= int(version), f"{event_type} went back to an older version"
    if current_version > int(version):
        pytest.skip(f"{event_type} moved to v{current_version}: a new major may break v{version}")
    current = build_schemas()[path.name]
    problems = check_backward_compatible(_load(path), current)
    assert not problems, (
        f"{path.name} changed incompatibly: "
        + "; ".join(map(str, problems))
        + ". Widen instead, or bump schema_version and publish the new version."
    )


def test_every_current_version_is_published() -> None:
    missing = sorted(set(build_schemas()) - {p.name for p in PUBLISHED})
    assert not missing, (
        f"not frozen in contracts/published/: {missing}. "
        "Run `uv run python -m jkn_contracts._generate --publish`."
    )


def test_published_copies_were_never_edited_in_place() -> None:
    # A published file is frozen: if it differs from the current schema, the difference
    # must be a widening of the current one, never an edit of the copy to make it pass.
    for path in PUBLISHED:
        current = build_schemas().get(path.name)
        if current is not None:
            assert not check_backward_compatible(_load(path), current), path.name


# --- the checker itself can fail ------------------------------------------------------------


@pytest.fixture
def published() -> dict[str, Any]:
    return _load(CONTRACTS_DIR / "published" / "ParticipantRegistered.v1.json")


def _rules(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {problem.rule for problem in check_backward_compatible(old, new)}


def test_an_unchanged_schema_is_compatible(published: dict[str, Any]) -> None:
    assert check_backward_compatible(published, copy.deepcopy(published)) == []


def test_catches_a_removed_property(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    del new["$defs"]["Resident"]["properties"]["address"]
    problems = check_backward_compatible(published, new)
    assert [(p.path, p.rule) for p in problems] == [
        ("/payload/resident/address", "PROPERTY_REMOVED")
    ]


def test_catches_an_optional_property_made_required(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["Resident"]["required"].append("phone")
    assert _rules(published, new) == {"NEW_REQUIRED"}


def test_catches_a_new_required_property(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["Resident"]["properties"]["religion"] = {"type": "string"}
    new["$defs"]["Resident"]["required"].append("religion")
    assert _rules(published, new) == {"NEW_REQUIRED"}


def test_catches_a_changed_type(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["RegisteredPayload"]["properties"]["proposed_by"]["type"] = "integer"
    assert "TYPE_CHANGED" in _rules(published, new)


def test_catches_a_nullable_field_made_non_nullable(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["RegisteredPayload"]["properties"]["welfare_decile"] = {
        "type": "integer",
        "minimum": 1,
        "maximum": 10,
    }
    assert _rules(published, new) == {"TYPE_CHANGED"}


def test_catches_a_narrowed_enum(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["ProposalSource"]["enum"].remove("walk_in")
    assert _rules(published, new) == {"ENUM_NARROWED"}


def test_catches_a_changed_format(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["Resident"]["properties"]["birth_date"]["format"] = "date-time"
    assert _rules(published, new) == {"FORMAT_CHANGED"}


def test_catches_a_changed_pattern(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["Resident"]["properties"]["kelurahan"]["pattern"] = r"^\d{13}$"
    assert _rules(published, new) == {"PATTERN_CHANGED"}


def test_catches_a_changed_discriminator(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["properties"]["event_type"]["const"] = "ResidentProposed"
    assert _rules(published, new) == {"CONST_CHANGED"}


def test_catches_a_tightened_limit(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    new["$defs"]["Resident"]["properties"]["name"]["maxLength"] = 100
    assert _rules(published, new) == {"LIMIT_TIGHTENED"}


def test_accepts_widening_changes(published: dict[str, Any]) -> None:
    new = copy.deepcopy(published)
    resident = new["$defs"]["Resident"]
    resident["properties"]["religion"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    resident["required"].remove("kelurahan")
    resident["properties"]["name"]["maxLength"] = 400
    new["$defs"]["ProposalSource"]["enum"].append("dtsen")
    new["$defs"]["RegisteredPayload"]["properties"]["proposed_by"] = {
        "anyOf": [{"type": "string", "minLength": 1, "maxLength": 100}, {"type": "null"}]
    }
    assert check_backward_compatible(published, new) == []
