"""What the consumer is given and how it classes a failure: the record, the errors retried
for as long as they last, and the codes a dead-lettered record's reason starts with.

Shared by the record-at-a-time consumer (``jkn_bus.consumer``) and the batch consumer
(``jkn_bus.batch``); ``jkn_bus.consumer`` names them too (its callers import them there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

__all__ = [
    "EVENT_NOT_OF_TOPIC",
    "HANDLER_FAILED",
    "INFRA_ERRORS",
    "INVALID_EVENT",
    "Record",
    "TransientError",
]

# Dead-letter reasons (x-dlq-reason, the dead_letters table, the log line): a code, then
# the exception's class or validated names — never an exception's text, which may quote
# the record (jkn_bus.scrub).
EVENT_NOT_OF_TOPIC = "EVENT_NOT_OF_TOPIC"
INVALID_EVENT = "INVALID_EVENT"
HANDLER_FAILED = "HANDLER_FAILED"

INFRA_ERRORS = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
    # the pool's own state error while Postgres restarts ("connect() called while another
    # connection already exists"): seen in a fault-suite run, retried like the others
    asyncpg.exceptions.InternalClientError,
)
"""Infrastructure errors (the database unreachable): retried with capped backoff, never
dead-lettered — nothing is wrong with the message."""


class TransientError(Exception):
    """Raised by a handler when a dependency is temporarily unavailable: retry, never DLQ."""


@dataclass(frozen=True)
class Record:
    """The parts of a Kafka record the consumer needs (an aiokafka ConsumerRecord fits)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]
