"""Transactional outbox: write the event in the same transaction as the state change.

``append`` is called inside the caller's transaction; nothing reaches Kafka unless that
transaction commits, and everything that commits reaches Kafka (see ``relay.py``). The
record key is the pseudonymous participant id, so one resident's events share a partition
(an agency's act about no single resident: what orders it, ``EventBase.record_key``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg
from jkn_contracts import EventBase, topic_for
from jkn_contracts.decisions import decision_of
from jkn_contracts.topics import events_of
from opentelemetry import trace

from jkn_bus.telemetry import PARTICIPANT_ATTR, current_trace_headers, tracer

__all__ = ["NOTIFY_CHANNEL_PREFIX", "OutboxRow", "append", "prepare", "write_rows"]

NOTIFY_CHANNEL_PREFIX = "jkn_outbox_"


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as it is inserted (the relay reads it back)."""

    event_id: Any
    event_type: str
    topic: str
    key: str
    value: bytes
    headers: str  # the trace context of the "create" span, JSON


async def append(
    conn: asyncpg.Connection, event: EventBase, *, topic_prefix: str = "", topic: str | None = None
) -> None:
    """Add ``event`` to the outbox within the caller's open transaction (``prepare``, then
    ``write_rows``)."""
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.append must run inside the state change's transaction")
    await write_rows(conn, [prepare(event, topic_prefix=topic_prefix, topic=topic)])


def prepare(event: EventBase, *, topic_prefix: str = "", topic: str | None = None) -> OutboxRow:
    """``event``'s outbox row, and the span that records its creation.

    ``topic`` (unprefixed): where an event type that travels on several topics goes — an
    answer to an agency system's submission, on that system's reply topic. It must be a
    topic the event type may travel on; by default the catalogue's one topic of the type.

    A span ("create", messaging conventions) records the fact: which agency stated what
    decision with which reason codes about which participant, and who acted (codes and
    pseudonyms only, no personal data). Its trace context is saved with the row; the
    relay's publish span continues it. It is made here, when the handler emits, so that it
    is a child of the handler's span even when the row is written later with its batch.
    """
    event_type = event.event_type  # type: ignore[attr-defined]
    if topic is None:
        topic = topic_for(event_type, topic_prefix)
    elif event_type in events_of(topic):
        topic = topic_prefix + topic
    else:
        raise ValueError(f"{event_type} does not travel on {topic}")
    stated = decision_of(event)
    attributes: dict[str, str | list[str]] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "create",
        "messaging.destination.name": topic,
        "messaging.message.id": str(event.event_id),
        "jkn.agency": event.producer.value,
        "jkn.event_type": event_type,
    }
    if event.participant_id is not None:
        attributes[PARTICIPANT_ATTR] = event.participant_id
    if event.actor is not None:  # who acted: a pseudonymous id and their agency
        attributes["jkn.actor"] = event.actor.id
        attributes["jkn.actor_agency"] = event.actor.agency
    if stated.decision is not None:
        attributes["jkn.decision"] = stated.decision
        attributes["jkn.reason_codes"] = list(stated.reasons)
    with tracer().start_as_current_span(
        f"create {topic}", kind=trace.SpanKind.PRODUCER, attributes=attributes
    ):
        headers = current_trace_headers()
    return OutboxRow(
        event.event_id,
        event_type,
        topic,
        event.record_key(),
        # a fact nobody commanded is written without the actor key, as before it existed
        event.model_dump_json(exclude={"actor"} if event.actor is None else None).encode(),
        json.dumps(headers),
    )


async def write_rows(conn: asyncpg.Connection, rows: list[OutboxRow]) -> None:
    """Insert ``rows`` in order (ids follow it) and wake the relay, with one statement.

    NOTIFY is transactional: the relay is woken only when this transaction commits, once
    however many rows it wrote. One channel per schema (= per service): other services'
    relays are not woken.
    """
    if not rows:
        return
    await conn.execute(
        "WITH written AS ("
        " INSERT INTO outbox (event_id, event_type, topic, key, value, headers)"
        " SELECT e, t, tp, k, v, h::jsonb"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::text[])"
        " WITH ORDINALITY AS r(e, t, tp, k, v, h, n) ORDER BY n RETURNING 1)"
        " SELECT pg_notify($7 || current_schema(), '') WHERE EXISTS (SELECT FROM written)",
        [r.event_id for r in rows],
        [r.event_type for r in rows],
        [r.topic for r in rows],
        [r.key for r in rows],
        [r.value for r in rows],
        [r.headers for r in rows],
        NOTIFY_CHANNEL_PREFIX,
    )
