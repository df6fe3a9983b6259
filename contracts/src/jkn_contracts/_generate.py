"""Generate the committed contract documents from the pydantic models.

    uv run python -m jkn_contracts._generate            # write schemas/ and asyncapi.json
    uv run python -m jkn_contracts._generate --check    # exit 1 if the committed files drifted
    uv run python -m jkn_contracts._generate --publish  # also freeze new versions in published/

Writes, under ``contracts/``:

- ``schemas/<EventType>.v<schema_version>.json``: one JSON Schema (draft 2020-12) per
  message type (facts, agency systems' submissions and their answers), in pydantic's
  *validation* mode: what a consumer accepts (fields with a default are optional), which is
  what backward compatibility is about;
- ``asyncapi.json``: an AsyncAPI 3.0.0 document of the topic catalogue, the inbound topics
  (sent by an agency's system, received by the owning service) and their reply topics.

Output is deterministic (sorted keys, stable order, trailing newline) so that a drift
test can compare bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    MESSAGE_TYPES,
    PARTICIPANT_ID_PATTERN,
    AgencyAct,
    InboundSpec,
)
from jkn_contracts.access import policy_table_markdown
from jkn_contracts.submissions import SUBMISSION_ID_PATTERN, Submission, SubmissionReply
from jkn_contracts.topics import REPLY_EVENTS, dead_letter_topic, handled_by

__all__ = [
    "ASYNCAPI_FILE",
    "CONTRACTS_DIR",
    "build_asyncapi",
    "build_schemas",
    "drifted_files",
    "expected_files",
    "main",
    "publish",
    "render",
    "schema_filename",
    "write",
]

CONTRACTS_DIR = Path(__file__).resolve().parents[2]
ASYNCAPI_FILE = "asyncapi.json"
_KAFKA_BINDING = "0.5.0"
_DLQ_HEADERS = {
    "x-dlq-reason": "Why the consumer gave up (error class and a message free of personal data).",
    "x-original-topic": "Topic the record was read from.",
    "x-original-partition": "Partition the record was read from (decimal).",
    "x-original-offset": "Offset of the record in that partition (decimal).",
}


def render(document: object) -> str:
    """The canonical text of a generated document (sorted keys, 2-space indent, newline)."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_version_of(event: type[BaseModel]) -> int:
    """The ``schema_version`` an event class publishes (its field default)."""
    version = event.model_fields["schema_version"].default
    if not isinstance(version, int):
        raise TypeError(f"{event.__name__}.schema_version needs an int default")
    return version


def schema_filename(event: type[BaseModel]) -> str:
    """``<EventType>.v<schema_version>.json``."""
    return f"{event.__name__}.v{schema_version_of(event)}.json"


def build_schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema of every message type, in validation mode."""
    schemas: dict[str, dict[str, Any]] = {}
    for name in sorted(MESSAGE_TYPES):
        event = MESSAGE_TYPES[name]
        schema = event.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"urn:jkn-daerah:event:{name}:v{schema_version_of(event)}"
        schemas[schema_filename(event)] = schema
    return schemas


def _key_binding(event: type[BaseModel] | None) -> dict[str, Any]:
    """The record key of ``event``'s messages; ``None``: a dead letter (the original's key)."""
    key: dict[str, Any] = {
        "type": "string",
        "pattern": PARTICIPANT_ID_PATTERN,
        "description": "participant_id: keyed pseudonym of the NIK (never the NIK itself), "
        "so that one resident's events share a partition and keep their order.",
    }
    if event is None:
        key = {
            "type": "string",
            "description": "The original record's key: a participant_id, or an agency act's "
            "key (quota:<budget_year>, a feedback tracking number, sync), or a submission's "
            "submission_id.",
        }
    elif issubclass(event, Submission | SubmissionReply):
        key = {
            "type": "string",
            "pattern": SUBMISSION_ID_PATTERN,
            "description": event.key_description,
        }
    elif issubclass(event, AgencyAct):
        key = {"type": "string", "description": event.key_description}
    return {"bindingVersion": _KAFKA_BINDING, "key": key}


def _event_message(event: type[BaseModel]) -> dict[str, Any]:
    return {
        "name": event.__name__,
        "title": event.__name__,
        "summary": (event.__doc__ or "").strip().splitlines()[0],
        "contentType": "application/json",
        "payload": {"$ref": f"./schemas/{schema_filename(event)}"},
        "headers": {
            "type": "object",
            "properties": {
                "traceparent": {"type": "string", "description": "W3C trace context."},
                "tracestate": {"type": "string", "description": "W3C trace context."},
            },
        },
        "bindings": {"kafka": _key_binding(event)},
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "DeadLetter",
        "summary": "A record its consumer could not process, copied unchanged with the reason.",
        "description": "The value and key are the original record's; the value may not even "
        "be valid JSON (that can be why it is here).",
        "headers": {
            "type": "object",
            "required": sorted(_DLQ_HEADERS),
            "properties": {
                name: {"type": "string", "description": text} for name, text in _DLQ_HEADERS.items()
            },
        },
        "payload": {"description": "The original record value, unchanged."},
        "bindings": {"kafka": _key_binding(None)},
    }


def build_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of the catalogue, its consumers and dead-letter topics."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {"DeadLetter": _dead_letter_message()}
    for spec in CATALOGUE:
        refs = {e.__name__: {"$ref": f"#/components/messages/{e.__name__}"} for e in spec.events}
        channels[spec.name] = {
            "address": spec.name,
            "title": spec.name,
            "description": spec.description,
            "messages": refs,
            "bindings": {
                "kafka": {"bindingVersion": _KAFKA_BINDING, "partitions": spec.partitions}
            },
        }
        messages.update({e.__name__: _event_message(e) for e in spec.events})
        own_refs = [{"$ref": f"#/channels/{spec.name}/messages/{name}"} for name in refs]
        operations[f"{spec.owner.value}.send.{spec.name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{spec.name}"},
            "messages": own_refs,
            "summary": f"{spec.owner.value} publishes its facts (only the owner may).",
            "x-agency": spec.owner.value,
        }
    for inbound in INBOUND:
        _add_inbound(inbound, channels, operations, messages)
    for group in sorted(CONSUMERS):
        for topic in CONSUMERS[group]:
            # the messages it handles (jkn_contracts.subscriptions); the others it skips
            names = [n for n in channels[topic]["messages"] if n in handled_by(group)]
            operations[f"{group}.receive.{topic}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic}"},
                "messages": [{"$ref": f"#/channels/{topic}/messages/{n}"} for n in names],
                "summary": f"Consumer group {group} reads {topic}, handling these messages "
                "and skipping the others.",
                "bindings": {
                    "kafka": {
                        "bindingVersion": _KAFKA_BINDING,
                        "groupId": {"type": "string", "enum": [group]},
                    }
                },
            }
        dlq = dead_letter_topic(group)
        channels[dlq] = {
            "address": dlq,
            "title": dlq,
            "description": f"Dead letters of consumer group {group}: records it gave up on.",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        }
        operations[f"{group}.send.{dlq}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dlq}"},
            "messages": [{"$ref": f"#/channels/{dlq}/messages/DeadLetter"}],
            "summary": f"{group} parks a record it could not process.",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "jkn-daerah events",
            "version": "1.0.0",
            "description": "Facts exchanged by the agencies of a city's PBI APBD program. "
            "Every record about a resident is keyed by participant_id (an agency's act about "
            "no single resident by what orders it); each agency publishes only its own facts. "
            "Agencies' own systems submit on inbound topics (x-jkn-kind: inbound; one writing "
            "system each) and are answered on reply topics (x-jkn-kind: reply), keyed by the "
            "sender's submission_id.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _channel(name: str, description: str, events: tuple[type, ...], **extra: Any) -> Any:
    return {
        "address": name,
        "title": name,
        "description": description,
        "messages": {e.__name__: {"$ref": f"#/components/messages/{e.__name__}"} for e in events},
        **extra,
    }


def _refs(channel: str, events: tuple[type, ...]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{channel}/messages/{e.__name__}"} for e in events]


def _add_inbound(
    spec: InboundSpec,
    channels: dict[str, Any],
    operations: dict[str, Any],
    messages: dict[str, Any],
) -> None:
    """An inbound topic (sent by its one system, received by its owner through the
    CONSUMERS loop) and its reply topic (sent by the owner, received by the system)."""
    partitions = {"kafka": {"bindingVersion": _KAFKA_BINDING, "partitions": spec.partitions}}
    where = f"; its own kelurahan {spec.kelurahan} only" if spec.kelurahan else ""
    channels[spec.name] = _channel(
        spec.name,
        f"{spec.description} Inbound: written only by principal {spec.writer} (for "
        f"{spec.agency}{where}), read only by {spec.owner}, which answers on "
        f"{spec.reply_topic}.",
        spec.events,
        bindings=partitions,
        **{"x-jkn-kind": "inbound", "x-writer": spec.writer, "x-owner": spec.owner},
    )
    channels[spec.reply_topic] = _channel(
        spec.reply_topic,
        f"{spec.owner}'s answers to the submissions on {spec.name}, keyed by their "
        f"submission_id; read only by principal {spec.writer}.",
        REPLY_EVENTS,
        bindings=partitions,
        **{"x-jkn-kind": "reply", "x-writer": spec.owner, "x-reader": spec.writer},
    )
    messages.update({e.__name__: _event_message(e) for e in (*spec.events, *REPLY_EVENTS)})
    operations[f"{spec.writer}.send.{spec.name}"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{spec.name}"},
        "messages": _refs(spec.name, spec.events),
        "summary": f"{spec.writer} ({spec.agency}'s system) submits (only it may).",
        "x-principal": spec.writer,
    }
    operations[f"{spec.owner}.send.{spec.reply_topic}"] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{spec.reply_topic}"},
        "messages": _refs(spec.reply_topic, REPLY_EVENTS),
        "summary": f"{spec.owner} answers every submission: accepted or refused.",
        "x-principal": spec.owner,
    }
    operations[f"{spec.writer}.receive.{spec.reply_topic}"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{spec.reply_topic}"},
        "messages": _refs(spec.reply_topic, REPLY_EVENTS),
        "summary": f"{spec.writer} reads the answers to its submissions.",
        "bindings": {
            "kafka": {
                "bindingVersion": _KAFKA_BINDING,
                "groupId": {"type": "string", "enum": [spec.writer]},
            }
        },
    }


def expected_files() -> dict[str, str]:
    """Path under ``contracts/`` -> the text the generator writes there."""
    files = {f"schemas/{name}": render(schema) for name, schema in build_schemas().items()}
    files[ASYNCAPI_FILE] = render(build_asyncapi())
    files[ACCESS_FILE] = _ACCESS_HEAD + policy_table_markdown()
    return files


ACCESS_FILE = "access-policy.md"
_ACCESS_HEAD = """# Who may call which route

Generated from `jkn_contracts.access` by `make contracts`: do not edit by hand. Roles come
from the caller's token (claim `jkn_roles`); so do the agency (`jkn_agency`) and the
kelurahan (`jkn_kelurahan`) that scope a grant. ✔ = the role acts on any record of the
route; *own agency* / *own kelurahan* = only on its own. Routes marked *none* take no token
(a resident's own question, with a second factor and a rate limit, or `/health`); routes
marked *signature* are provider webhooks checked by their HMAC signature. Any other caller
is answered 401 (no valid token) or 403 (`ROLE_NOT_ALLOWED`, `OUTSIDE_AGENCY`,
`OUTSIDE_KELURAHAN`) before the route's handler runs.

"""


def drifted_files(root: Path = CONTRACTS_DIR) -> list[str]:
    """Generated files that are missing, different, or stale (no longer generated)."""
    expected = expected_files()
    drifted = [
        path
        for path, text in expected.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    stale = [
        f"schemas/{p.name}"
        for p in sorted((root / "schemas").glob("*.json"))
        if f"schemas/{p.name}" not in expected
    ]
    return sorted(drifted + stale)


def write(root: Path = CONTRACTS_DIR) -> list[str]:
    """Write every drifted file and delete stale schemas; return the paths changed."""
    expected = expected_files()
    changed = drifted_files(root)
    for path in changed:
        target = root / path
        if path in expected:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(expected[path], encoding="utf-8")
        else:
            target.unlink()
    return changed


def publish(root: Path = CONTRACTS_DIR) -> list[str]:
    """Freeze schema versions not yet published into ``published/``; never overwrite one."""
    frozen: list[str] = []
    (root / "published").mkdir(exist_ok=True)
    for name, schema in build_schemas().items():
        target = root / "published" / name
        if not target.exists():
            target.write_text(render(schema), encoding="utf-8")
            frozen.append(f"published/{name}")
    return frozen


def main(argv: list[str] | None = None) -> int:
    """Command line: write (default), ``--check`` for drift, ``--publish`` to freeze."""
    parser = argparse.ArgumentParser(prog="python -m jkn_contracts._generate")
    parser.add_argument("--root", type=Path, default=CONTRACTS_DIR, help="contracts/ folder")
    parser.add_argument("--check", action="store_true", help="only report drift (exit 1)")
    parser.add_argument("--publish", action="store_true", help="freeze new versions")
    args = parser.parse_args(argv)
    if args.check:
        drifted = drifted_files(args.root)
        for path in drifted:
            print(f"drifted: {path}", file=sys.stderr)
        if drifted:
            print("run: uv run python -m jkn_contracts._generate", file=sys.stderr)
        return 1 if drifted else 0
    for path in write(args.root):
        print(f"wrote {path}")
    if args.publish:
        for path in publish(args.root):
            print(f"published {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
