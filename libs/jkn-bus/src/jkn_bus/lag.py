"""Consumer lag: how many records of each assigned partition this service has not yet applied.

``lag = end offset (high-water mark) - committed offset``. The runtime commits only after a
batch is applied (or dead-lettered), so the committed offset is exactly "done"; the fetch
position would already count records fetched but still being applied. A partition without
a commit yet counts from its beginning (``auto_offset_reset="earliest"``).

The gauge is refreshed every few seconds from the aiokafka consumer behind the FastStream
subscriber: one ListOffsets request for all partitions and one OffsetFetch per partition.
Partitions revoked by a rebalance lose their series (another replica reports them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from jkn_bus.metrics import CONSUMER_LAG

__all__ = ["track_lag", "update_lag"]

log = logging.getLogger(__name__)


async def update_lag(
    consumer: AIOKafkaConsumer, service: str, reported: set[TopicPartition]
) -> dict[TopicPartition, int]:
    """Set the gauge for every assigned partition; drop the ones no longer assigned.

    ``reported`` (updated in place) holds the partitions that have a series.
    """
    assigned = set(consumer.assignment())
    for gone in reported - assigned:
        CONSUMER_LAG.remove(service, gone.topic, str(gone.partition))
    reported.intersection_update(assigned)
    if not assigned:
        return {}
    ends = await consumer.end_offsets(list(assigned))
    lags: dict[TopicPartition, int] = {}
    uncommitted: list[TopicPartition] = []
    for tp in assigned:
        committed = await consumer.committed(tp)
        if committed is None:
            uncommitted.append(tp)
        else:
            lags[tp] = max(ends[tp] - committed, 0)
    if uncommitted:
        beginnings = await consumer.beginning_offsets(uncommitted)
        lags.update({tp: max(ends[tp] - beginnings[tp], 0) for tp in uncommitted})
    for tp, lag in lags.items():
        CONSUMER_LAG.labels(service, tp.topic, str(tp.partition)).set(lag)
        reported.add(tp)
    return lags


async def track_lag(
    consumer: Callable[[], AIOKafkaConsumer | None],
    service: str,
    interval_s: float,
    on_seen: Callable[[int], None] | None = None,
) -> None:
    """Refresh the gauge every ``interval_s`` while the consumer runs (a background task);
    ``on_seen`` is told the total lag each time the broker answered
    (``jkn_bus.liveness.ConsumerLiveness.lag_seen``)."""
    reported: set[TopicPartition] = set()
    while True:
        await asyncio.sleep(interval_s)
        current = consumer()
        if current is None:
            continue
        try:
            lags = await update_lag(current, service, reported)
            if on_seen is not None:
                on_seen(sum(lags.values()))
        except Exception as exc:  # a metric must never stop the service
            log.warning("consumer lag not updated (%s)", type(exc).__name__)
