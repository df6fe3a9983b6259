"""The committed JSON Schemas and AsyncAPI document are exactly what the models generate.

Inbound topics (agencies' systems submitting) and their reply topics are in the document
too, distinguishable from fact topics: each inbound topic is sent to by its one system and
received by its owner, each reply topic sent to by the owner and received by the system."""

from __future__ import annotations

import json
from typing import Any

from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    MESSAGE_TYPES,
    PARTICIPANT_ID_PATTERN,
    AgencyAct,
    Submission,
    SubmissionReply,
    dead_letter_topic,
)
from jkn_contracts._generate import (
    ASYNCAPI_FILE,
    CONTRACTS_DIR,
    build_asyncapi,
    drifted_files,
    expected_files,
    schema_filename,
)
from jkn_contracts.submissions import SUBMISSION_ID_PATTERN
from jkn_contracts.topics import events_of, handled_by


def test_committed_contract_documents_match_the_models() -> None:
    drifted = drifted_files()
    assert not drifted, (
        f"contract documents out of date: {drifted}. "
        "Run `uv run python -m jkn_contracts._generate` and commit the result."
    )


def test_generation_is_deterministic() -> None:
    assert expected_files() == expected_files()


def test_there_is_one_schema_file_per_event_type_and_version() -> None:
    schemas = sorted(p for p in expected_files() if p.startswith("schemas/"))
    assert schemas == sorted(
        f"schemas/{schema_filename(MESSAGE_TYPES[name])}" for name in MESSAGE_TYPES
    )


def test_asyncapi_has_a_channel_per_topic_and_per_dead_letter_topic() -> None:
    doc = build_asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    expected = {spec.name for spec in CATALOGUE} | {dead_letter_topic(g) for g in CONSUMERS}
    expected |= {s.name for s in INBOUND} | {s.reply_topic for s in INBOUND}
    assert set(doc["channels"]) == expected
    for name, channel in doc["channels"].items():
        assert channel["address"] == name


def test_inbound_and_reply_channels_are_marked_and_name_their_one_writer() -> None:
    channels = build_asyncapi()["channels"]
    for spec in CATALOGUE:
        assert "x-jkn-kind" not in channels[spec.name]
    for spec in INBOUND:
        inbound, reply = channels[spec.name], channels[spec.reply_topic]
        assert (inbound["x-jkn-kind"], inbound["x-writer"], inbound["x-owner"]) == (
            "inbound",
            spec.writer,
            "enrollment",
        )
        assert set(inbound["messages"]) == {e.__name__ for e in spec.events}
        assert (reply["x-jkn-kind"], reply["x-writer"], reply["x-reader"]) == (
            "reply",
            "enrollment",
            spec.writer,
        )
        assert set(reply["messages"]) == {"SubmissionAccepted", "SubmissionRefused"}


def test_only_the_owner_sends_and_every_consumer_group_receives() -> None:
    operations = build_asyncapi()["operations"].values()
    sends = {
        (op["channel"]["$ref"].split("/")[-1], op.get("x-agency"))
        for op in operations
        if op["action"] == "send" and "x-agency" in op
    }
    assert sends == {(spec.name, spec.owner.value) for spec in CATALOGUE}
    receives = {
        op["channel"]["$ref"].split("/")[-1] + "<-" + op["bindings"]["kafka"]["groupId"]["enum"][0]
        for op in operations
        if op["action"] == "receive"
    }
    consumed = {f"{t}<-{g}" for g, topics in CONSUMERS.items() for t in topics}
    assert receives == consumed | {f"{s.reply_topic}<-{s.writer}" for s in INBOUND}
    # an inbound topic is sent to by its one system, its replies by the owning service
    submitted = {
        (op["channel"]["$ref"].split("/")[-1], op["x-principal"])
        for op in operations
        if op["action"] == "send" and "x-principal" in op
    }
    assert submitted == {(s.name, s.writer) for s in INBOUND} | {
        (s.reply_topic, s.owner) for s in INBOUND
    }
    for spec in INBOUND:
        assert f"{spec.name}<-{spec.owner}" in consumed


def test_a_consumer_groups_receive_operation_lists_the_messages_it_handles() -> None:
    # the gateway reads Dinas Sosial's topic for the erasure alone: the document says so
    operations = build_asyncapi()["operations"]
    for group, topics in CONSUMERS.items():
        for topic in topics:
            listed = {
                ref["$ref"].rsplit("/", 1)[-1]
                for ref in operations[f"{group}.receive.{topic}"]["messages"]
            }
            assert listed == handled_by(group) & events_of(topic), (group, topic)
    gateway_from_dinsos = operations["bpjs-gateway.receive.jkn.dinsos.participants"]
    assert [m["$ref"] for m in gateway_from_dinsos["messages"]] == [
        "#/channels/jkn.dinsos.participants/messages/ResidentDataErased"
    ]


def test_dead_letter_messages_carry_the_reason_and_the_original_position() -> None:
    headers = build_asyncapi()["components"]["messages"]["DeadLetter"]["headers"]
    assert set(headers["required"]) == {
        "x-dlq-reason",
        "x-original-topic",
        "x-original-partition",
        "x-original-offset",
    }


def test_every_message_says_what_keys_it() -> None:
    # a fact about a resident: their pseudonym; an agency's act: what orders it
    messages = build_asyncapi()["components"]["messages"]
    for name, message in messages.items():
        key = message["bindings"]["kafka"]["key"]
        kind = MESSAGE_TYPES.get(name)
        if kind is not None and issubclass(kind, Submission | SubmissionReply):
            # a submission and its answer: the sender's own id, never a NIK
            assert key["description"].startswith("submission_id")
            assert key["pattern"] == SUBMISSION_ID_PATTERN
        elif kind is not None and issubclass(kind, AgencyAct):
            assert key["description"] == kind.key_description
            assert "participant_id" not in key["description"]
            assert "pattern" not in key
        elif name == "DeadLetter":
            assert "original record's key" in key["description"]
        else:
            assert "participant_id" in key["description"]
            assert key["pattern"] == PARTICIPANT_ID_PATTERN


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        return json.loads((CONTRACTS_DIR / ref).read_text(encoding="utf-8"))
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_every_reference_in_the_asyncapi_document_resolves() -> None:
    doc = json.loads((CONTRACTS_DIR / ASYNCAPI_FILE).read_text(encoding="utf-8"))
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            refs.extend([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        assert _resolve(doc, ref) is not None, ref
