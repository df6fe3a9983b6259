"""Applying a polled batch in one Postgres transaction, a savepoint per event.

Why. A transaction per event cost a service a commit (a WAL flush), an inbox INSERT, a
NOTIFY and a connection checkout per event: most of what the profile counted per resident
(``make profile``). A batch is now one transaction:

1. Every record of the batch that is a valid event of its topic with a handler here gets
   its inbox row in ONE ``INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING RETURNING``:
   the ids it returns are the events not applied before (the others are duplicates, as
   is a second copy of an event within the batch).
2. Each fresh event's handler runs in a savepoint of the transaction, with its unit of
   work's rows (outbox, audit chain …) deferred (``UnitOfWork.defer``); a handler that
   writes nothing else (``defers_all_writes``) runs without one.
3. The deferred rows of the events that succeeded are written kind by kind, one statement
   each (``Flusher``), then the transaction commits. Only then does the caller commit the
   batch's offsets: a crash before redelivers the batch, and nothing of it is written.

A handler that fails rolls back its savepoint only. Its event and the later records of
the same participant (``group``: their order matters) leave the batch — their inbox rows
are deleted in the transaction — and after the commit they are applied one by one on the
ordinary path (``EventConsumer.process``: retries, backoff, the dead-letter topic), the
batch's failure counted as the first attempt. So are records that are not events this
service applies (invalid, not of their topic: dead-lettered there). Any failure of the
transaction itself (the database gone, a flush refused) rolls the whole batch back, and
its records are applied one by one in the same way: the batch is an optimisation, never a
second set of rules.

Per-participant order. Within a group the records are applied in order; groups take turns
in the one transaction, so a service still never has two open transactions emitting for
one participant (what the outbox relay's ordering needs, ``jkn_bus.relay``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import asyncpg
from jkn_contracts import AnyMessage

from jkn_bus import key_memo, metrics
from jkn_bus.consumer import INFRA_ERRORS, EventConsumer, Record, TransientError
from jkn_bus.handler_table import Handler
from jkn_bus.key_memo import transaction_keys
from jkn_bus.telemetry import PARTICIPANT_ATTR, transaction_span
from jkn_bus.unit_of_work import Deferred, flush_deferred

__all__ = ["apply_batch", "defers_all_writes", "group_by_participant"]

log = logging.getLogger(__name__)

_DEFERS_ALL = "_jkn_defers_all_writes"
_H = TypeVar("_H")


def defers_all_writes(handler: _H) -> _H:
    """Mark ``handler`` as writing only through ``UnitOfWork.defer``/``emit`` — or with one
    direct write that is its last step (nothing can fail after it): in a batch it runs
    without a savepoint of its own (two statements an event fewer). Should it fail, it
    wrote nothing to roll back (its deferred rows are dropped as for any failure); should
    one of its statements fail in Postgres, the batch's transaction is aborted and the whole
    batch is applied one by one — correct either way, the savepoint only saves that."""
    setattr(handler, _DEFERS_ALL, True)
    return handler


_INSERT_INBOX = (
    'INSERT INTO inbox (event_id, event_type, topic, partition, "offset")'
    " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bigint[])"
    " ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)


@dataclass
class _Leftover:
    """Records applied one by one after the batch: a group's tail from the first that
    could not be applied in it, and how often that one's handler failed already."""

    records: list[Record]
    failed_attempts: int = 0


@dataclass
class _Outcomes:
    applied: list[tuple[str, float]] = field(default_factory=list)  # (type, seconds)
    duplicate: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


@dataclass
class _Batch:
    """The transaction's state: whose inbox rows it inserted, the rows deferred by the
    handlers that succeeded, and what is counted once it commits."""

    mine: dict[Any, Record]
    deferred: Deferred = field(default_factory=list)
    outcomes: _Outcomes = field(default_factory=_Outcomes)


def group_by_participant(raws: Sequence[Any]) -> list[list[Record]]:
    """A polled batch's records by participant, each group in partition order.

    A batch mixes partitions and topics (docs/pitfalls.md#batch-mixes-partitions). Records
    are keyed by participant, so grouping by key keeps each partition's order for every
    participant, and a participant's events from two topics in the order they were read.
    """
    groups: dict[bytes, list[Record]] = {}
    for raw in raws:
        record = Record(raw.topic, raw.partition, raw.offset, raw.key, raw.value, raw.headers or ())
        group = raw.key if raw.key is not None else f"{raw.topic}/{raw.partition}".encode()
        groups.setdefault(group, []).append(record)
    return list(groups.values())


async def apply_batch(
    consumer: EventConsumer, raws: Sequence[Any], limit: asyncio.Semaphore
) -> None:
    """Apply a polled batch (module docstring); returns once every record is applied or
    dead-lettered, so that the caller may commit the offsets."""
    groups = group_by_participant(raws)
    try:
        leftovers = await _in_one_transaction(consumer, groups)
    except Exception as exc:  # the whole batch rolled back: one by one, as before batches
        log.warning("batch transaction failed (%s); applying one by one", type(exc).__name__)
        leftovers = [_Leftover(records) for records in groups]

    async def in_order(leftover: _Leftover) -> None:
        async with limit:
            failed = leftover.failed_attempts
            for record in leftover.records:
                await consumer.process(record, failed_attempts=failed)
                failed = 0

    await asyncio.gather(*(in_order(leftover) for leftover in leftovers))


@dataclass
class _Plan:
    """What the batch does with one group: its records up to the first it cannot apply
    (with their event and handler; None: ignored here), and that record's index."""

    steps: list[tuple[Record, AnyMessage, Handler | None]]
    stop: int


def _plan(consumer: EventConsumer, group: list[Record]) -> _Plan:
    steps: list[tuple[Record, AnyMessage, Handler | None]] = []
    for record in group:
        found = consumer.handler_for(record)
        if found is None:
            break
        steps.append((record, *found))
    return _Plan(steps, len(steps))


async def _in_one_transaction(
    consumer: EventConsumer, groups: list[list[Record]]
) -> list[_Leftover]:
    plans = [_plan(consumer, group) for group in groups]
    with transaction_span(consumer.schema), transaction_keys():
        async with consumer.pool.acquire() as pooled, pooled.transaction():
            conn = cast(asyncpg.Connection, pooled)  # the proxy forwards to its Connection
            batch = _Batch(await _claim_inbox(conn, plans))
            # the fresh events' residents' keys: read together at the first one needed
            key_memo.expect(_participants(plans, batch.mine))
            unclaim: list[Any] = []
            leftovers: list[_Leftover] = []
            for plan, group in zip(plans, groups, strict=True):
                failed_at, attempts = await _apply_group(consumer, conn, plan, batch)
                stop = min(failed_at, plan.stop)
                if stop < len(group):
                    leftovers.append(_Leftover(group[stop:], attempts))
                    unclaim.extend(_claimed(plan, batch.mine, stop))
            if unclaim:
                await conn.execute("DELETE FROM inbox WHERE event_id = ANY($1::uuid[])", unclaim)
            await flush_deferred(conn, batch.deferred)
    _count(consumer.service, batch.outcomes)
    return leftovers


async def _claim_inbox(conn: asyncpg.Connection, plans: list[_Plan]) -> dict[Any, Record]:
    """Insert the inbox rows of the batch's applicable events; the record each fresh event
    id belongs to (its first copy in the batch)."""
    first: dict[Any, tuple[Record, str]] = {}
    for plan in plans:
        for record, event, handler in plan.steps:
            if handler is not None:
                first.setdefault(event.event_id, (record, event.event_type))
    if not first:
        return {}
    ids = list(first)
    rows = await conn.fetch(
        _INSERT_INBOX,
        ids,
        [first[i][1] for i in ids],
        [first[i][0].topic for i in ids],
        [first[i][0].partition for i in ids],
        [first[i][0].offset for i in ids],
    )
    return {row["event_id"]: first[row["event_id"]][0] for row in rows}


def _participants(plans: list[_Plan], mine: dict[Any, Record]) -> list[str | None]:
    return [
        getattr(event, "participant_id", None)
        for plan in plans
        for record, event, _ in plan.steps
        if mine.get(event.event_id) is record
    ]


def _claimed(plan: _Plan, mine: dict[Any, Record], start: int) -> list[Any]:
    """The inbox rows the group's records from ``start`` inserted: they leave the batch."""
    return [
        event.event_id
        for record, event, handler in plan.steps[start:]
        if handler is not None and mine.get(event.event_id) is record
    ]


async def _apply_group(
    consumer: EventConsumer, conn: asyncpg.Connection, plan: _Plan, batch: _Batch
) -> tuple[int, int]:
    """Apply a group's planned records in order, each in a savepoint; returns the index of
    the first whose handler failed (past the end: none) and its attempts so far."""
    for index, (record, event, handler) in enumerate(plan.steps):
        if handler is None:
            batch.outcomes.ignored.append(event.event_type)
            continue
        if batch.mine.get(event.event_id) is not record:
            batch.outcomes.duplicate.append(event.event_type)
            continue
        items: Deferred = []
        with consumer.span(record) as span:
            if (participant := getattr(event, "participant_id", None)) is not None:
                span.set_attribute(PARTICIPANT_ATTR, participant)
            span.set_attribute("jkn.event_type", event.event_type)
            started = time.perf_counter()
            uow = consumer.unit_of_work(conn, record, event, items)
            try:
                if getattr(handler, _DEFERS_ALL, False):
                    await handler(uow, event)
                else:
                    async with conn.transaction():  # a savepoint
                        await handler(uow, event)
            except Exception as exc:  # any failure: applied on its own after the batch
                log.warning(
                    "failed applying %s in a batch (%s); applying it on its own",
                    event.event_type,
                    type(exc).__name__,
                )
                transient = isinstance(exc, (*INFRA_ERRORS, TransientError))
                return index, 0 if transient else 1
        batch.deferred.extend(items)
        batch.outcomes.applied.append((event.event_type, time.perf_counter() - started))
    return len(plan.steps), 0


def _count(service: str, outcomes: _Outcomes) -> None:
    for event_type, seconds in outcomes.applied:
        metrics.CONSUMED.labels(service, event_type, "applied").inc()
        metrics.HANDLER_SECONDS.labels(service, event_type).observe(seconds)
    for event_type in outcomes.duplicate:
        metrics.CONSUMED.labels(service, event_type, "duplicate").inc()
    for event_type in outcomes.ignored:
        metrics.CONSUMED.labels(service, event_type, "ignored").inc()
