"""Transactional outbox: write the event in the same transaction as the state change.

``append`` is called inside the caller's transaction; nothing reaches Kafka unless that
transaction commits, and everything that commits reaches Kafka (see ``relay.py``). The
record key is the pseudonymous participant id, so one resident's events share a partition.
"""

from __future__ import annotations

import json

import asyncpg
from jkn_contracts import EventBase, topic_for

from jkn_bus.telemetry import current_trace_headers

__all__ = ["NOTIFY_CHANNEL_PREFIX", "append"]

NOTIFY_CHANNEL_PREFIX = "jkn_outbox_"


async def append(conn: asyncpg.Connection, event: EventBase, *, topic_prefix: str = "") -> None:
    """Add ``event`` to the outbox within the caller's open transaction.

    The current trace context is saved with the row so the relay can continue the trace.
    NOTIFY is transactional: the relay is woken only when this transaction commits.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("outbox.append must run inside the state change's transaction")
    event_type = event.event_type  # type: ignore[attr-defined]
    await conn.execute(
        "INSERT INTO outbox (event_id, event_type, topic, key, value, headers)"
        " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
        event.event_id,
        event_type,
        topic_for(event_type, topic_prefix),
        event.participant_id,
        event.model_dump_json().encode(),
        json.dumps(current_trace_headers()),
    )
    # One channel per schema (= per service): other services' relays are not woken.
    await conn.execute("SELECT pg_notify($1 || current_schema(), '')", NOTIFY_CHANNEL_PREFIX)
