"""The AsyncAPI 3.0.0 document of the topic catalogue (``contracts/asyncapi.json``): every
topic with its messages, record keys and dead-letter topic, the inbound topics an agency's
system sends to and their reply topics. Written by ``jkn_contracts._generate``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    PARTICIPANT_ID_PATTERN,
    AgencyAct,
    InboundSpec,
)
from jkn_contracts.submissions import SUBMISSION_ID_PATTERN, Submission, SubmissionReply
from jkn_contracts.topics import REPLY_EVENTS, dead_letter_topic, handled_by

__all__ = ["build_asyncapi", "schema_filename", "schema_version_of"]

_KAFKA_BINDING = "0.5.0"
_DLQ_HEADERS = {
    "x-dlq-reason": "Why the consumer gave up (error class and a message free of personal data).",
    "x-original-topic": "Topic the record was read from.",
    "x-original-partition": "Partition the record was read from (decimal).",
    "x-original-offset": "Offset of the record in that partition (decimal).",
}


def schema_version_of(event: type[BaseModel]) -> int:
    """The ``schema_version`` an event class publishes (its field default)."""
    version = event.model_fields["schema_version"].default
    if not isinstance(version, int):
        raise TypeError(f"{event.__name__}.schema_version needs an int default")
    return version


def schema_filename(event: type[BaseModel]) -> str:
    """``<EventType>.v<schema_version>.json``."""
    return f"{event.__name__}.v{schema_version_of(event)}.json"


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
