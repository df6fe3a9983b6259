"""Dead letters: how a record that cannot be applied is set aside, and how operators see
and replay it.

**Writing** (:class:`DeadLetterWriter`, called by the consumer): the record goes whole to
the service's dead-letter topic ``jkn.dlq.<service>`` (the original's value and key; of its
headers only the trace context, plus the reason, the attempts and where it came from), and
a row of ``dead_letters`` notes it — the reason, the event type and pseudonymous participant
id when the record was a valid event, and where it lies on the dead-letter topic. Never the
value itself: it may be a resident's event, so it stays on the topic, under the topic's
retention. Until both steps succeed the record is not done: they are retried, the partition
waits, nothing is skipped.

**Reading and replaying** (:class:`DeadLetterStore`, :func:`replay`): operators list and show
the rows (no value, no personal data: codes, class names, pseudonyms, positions) by id,
range or reason, and replay chosen ones. A replay reads the record back from the
dead-letter topic and applies it through the consumer exactly as if it had just arrived on
its original topic — the idempotent inbox keys it by event id, so replaying twice, or
replaying a record that meanwhile was applied, has one effect. A replay that fails again
returns the record to the dead-letter topic, and its row keeps the history of every death.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from jkn_contracts import dead_letter_topic
from opentelemetry import trace

from jkn_bus import metrics

if TYPE_CHECKING:
    from jkn_bus.consumer import EventConsumer, Record

__all__ = ["DeadLetter", "DeadLetterStore", "DeadLetterWriter", "Selection", "replay"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_KEPT_HEADERS = frozenset({"traceparent", "tracestate"})

# A record that dies again (a replay that failed) keeps its row, with its history.
_NOTE = """
INSERT INTO dead_letters (topic, partition, "offset", reason, attempts, event_type,
                          participant_id, dlq_partition, dlq_offset, history)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
        jsonb_build_array(jsonb_build_object(
            'reason', $4::text, 'attempts', $5::int, 'dead_at', now(), 'dlq_offset', $9::bigint)))
ON CONFLICT (topic, partition, "offset") DO UPDATE SET
    reason = EXCLUDED.reason, attempts = EXCLUDED.attempts, dead_at = now(),
    dlq_partition = EXCLUDED.dlq_partition, dlq_offset = EXCLUDED.dlq_offset,
    history = dead_letters.history || EXCLUDED.history
"""


class DeadLetterWriter:
    """Sets a record aside on the dead-letter topic and notes it in ``dead_letters``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        producer: Callable[[], Awaitable[AIOKafkaProducer]],
        *,
        service: str,
        topic_prefix: str,
        backoff_s: float,
        max_backoff_s: float,
    ) -> None:
        self._pool = pool
        self._producer = producer
        self._service = service
        self._dlq = dead_letter_topic(service, topic_prefix)
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s

    async def write(
        self,
        record: Record,
        reason: str,
        attempts: int,
        *,
        event_type: str,
        participant_id: str | None,
    ) -> None:
        headers = [
            # of the original's headers only the trace context: any other was chosen freely
            # by whoever wrote the record, and may carry anything
            *[(k, v) for k, v in record.headers if k in _KEPT_HEADERS],
            ("x-dlq-reason", reason.encode()),
            ("x-dlq-consumer", self._service.encode()),
            ("x-dlq-attempts", str(attempts).encode()),
            ("x-original-topic", record.topic.encode()),
            ("x-original-partition", str(record.partition).encode()),
            ("x-original-offset", str(record.offset).encode()),
        ]
        # A failure here must not escape: the batch would stay unacknowledged while the next
        # batch's commit moved the offset past this record. Each step is retried until it
        # succeeds (the partition waits); the send is not repeated once it succeeded.
        sent = await self._until_done("dead-letter send", lambda: self._send(record, headers))
        await self._until_done(
            "dead-letter row",
            lambda: self._pool.execute(
                _NOTE,
                record.topic,
                record.partition,
                record.offset,
                reason,
                attempts,
                None if event_type == "?" else event_type,
                participant_id,
                sent.partition,
                sent.offset,
            ),
        )
        metrics.DEAD_LETTERS.labels(self._service, record.topic).inc()
        trace.get_current_span().set_status(trace.Status(trace.StatusCode.ERROR, "dead-lettered"))
        log.error(
            "record sent to dead-letter topic %s: %s",
            self._dlq,
            reason,
            extra={"topic": record.topic, "partition": record.partition, "offset": record.offset},
        )

    async def _send(self, record: Record, headers: list[tuple[str, bytes]]) -> Any:
        producer = await self._producer()
        return await producer.send_and_wait(
            self._dlq, value=record.value, key=record.key, headers=headers
        )

    async def _until_done(self, what: str, step: Callable[[], Awaitable[T]]) -> T:
        delay = self._backoff_s
        while True:
            try:
                return await step()
            except Exception as exc:  # whatever failed, the record must not be skipped
                log.warning("%s failed (%s); retrying in %.1fs", what, type(exc).__name__, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff_s)


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter as operators see it: no value, nothing personal."""

    id: int
    topic: str
    partition: int
    offset: int
    reason: str
    attempts: int
    event_type: str | None
    participant_id: str | None
    dead_at: datetime
    dlq_partition: int | None
    dlq_offset: int | None
    replays: int
    replayed_at: datetime | None
    replay_outcome: str | None
    history: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        view = dict(self.__dict__)
        for key in ("dead_at", "replayed_at"):
            view[key] = view[key].isoformat() if view[key] else None
        return view


@dataclass(frozen=True)
class Selection:
    """Which dead letters: by ids, an id range (inclusive) or a reason prefix (all given
    criteria must hold); ``limit`` caps the answer."""

    ids: Sequence[int] = ()
    first_id: int | None = None
    last_id: int | None = None
    reason: str | None = None
    limit: int = 100

    def is_empty(self) -> bool:
        return not self.ids and self.first_id is None and self.last_id is None and not self.reason


class DeadLetterStore:
    """The ``dead_letters`` rows of one service."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def select(self, which: Selection) -> list[DeadLetter]:
        rows = await self._pool.fetch(
            "SELECT * FROM dead_letters WHERE"
            " (cardinality($1::bigint[]) = 0 OR id = ANY($1::bigint[]))"
            " AND ($2::bigint IS NULL OR id >= $2) AND ($3::bigint IS NULL OR id <= $3)"
            " AND ($4::text IS NULL OR starts_with(reason, $4))"
            " ORDER BY id LIMIT $5",
            list(which.ids),
            which.first_id,
            which.last_id,
            which.reason,
            which.limit,
        )
        return [_dead_letter(row) for row in rows]

    async def get(self, dead_letter_id: int) -> DeadLetter | None:
        found = await self.select(Selection(ids=[dead_letter_id], limit=1))
        return found[0] if found else None

    async def note_replay(self, dead_letter_id: int, outcome: str) -> None:
        await self._pool.execute(
            "UPDATE dead_letters SET replays = replays + 1, replayed_at = now(),"
            " replay_outcome = $2 WHERE id = $1",
            dead_letter_id,
            outcome,
        )


def _dead_letter(row: Any) -> DeadLetter:
    history = row["history"]
    return DeadLetter(
        **{k: row[k] for k in DeadLetter.__dataclass_fields__ if k != "history"},
        history=json.loads(history) if isinstance(history, str) else list(history),
    )


async def replay(
    store: DeadLetterStore,
    consumer: EventConsumer,
    reader: AIOKafkaConsumer,
    dlq: str,
    chosen: Sequence[DeadLetter],
) -> dict[int, str]:
    """Apply each chosen dead letter again, read back from ``dlq`` with ``reader`` (started,
    no group); the outcome per id: applied, duplicate (its effects were already there),
    ignored, dead_lettered (it failed again: back on the topic, history kept) or
    not_on_topic (no position known, or the topic's retention removed it)."""
    from jkn_bus.consumer import Record  # noqa: PLC0415 — consumer imports this module

    outcomes: dict[int, str] = {}
    for letter in chosen:
        found = None
        if letter.dlq_partition is not None and letter.dlq_offset is not None:
            found = await _read_at(reader, dlq, letter.dlq_partition, letter.dlq_offset)
        if found is None:
            outcomes[letter.id] = "not_on_topic"
            continue
        original = Record(
            topic=letter.topic,
            partition=letter.partition,
            offset=letter.offset,
            key=found.key,
            value=found.value,
            headers=[(k, v) for k, v in found.headers or () if k in _KEPT_HEADERS],
        )
        outcome = await consumer.process(original)
        await store.note_replay(letter.id, outcome)
        log.info(
            "dead letter %d replayed: %s",
            letter.id,
            outcome,
            extra={"topic": letter.topic, "partition": letter.partition, "offset": letter.offset},
        )
        outcomes[letter.id] = outcome
    return outcomes


async def _read_at(reader: AIOKafkaConsumer, topic: str, partition: int, offset: int) -> Any:
    tp = TopicPartition(topic, partition)
    reader.assign([tp])
    reader.seek(tp, offset)
    batch = await reader.getmany(tp, timeout_ms=5000, max_records=1)
    records = batch.get(tp, [])
    return records[0] if records and records[0].offset == offset else None
