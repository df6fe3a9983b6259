"""Handing a dispatcher round's deliveries to their channels, each failure kept apart.

Deliveries are handed over in the round's order (a participant's in created order): a
run of consecutive deliveries for one :class:`~notifications.app.ports.BatchChannel` (the
dev sink, whatever the channel's name) in one ``send_many`` call, any other channel one
delivery at a time in the delivery's span. A delivery that fails fails alone: its
exception is kept for the dispatcher to record (``retry_later`` or ``mark_failed``) and
the others go on. Any class is a delivery's failure here, even a database error of the
dev sink's own connection: the channel's business, not the round's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from opentelemetry import trace

from notifications.app.ports import BatchChannel, Delivery, MessageChannel

__all__ = ["send_all"]


async def send_all(
    channels: Mapping[str, MessageChannel],
    deliveries: Sequence[Delivery],
    spans: Mapping[uuid.UUID, trace.Span],
) -> dict[uuid.UUID, Exception]:
    """Send every delivery; {message id: exception} of those that failed."""
    failed: dict[uuid.UUID, Exception] = {}
    for channel, run in _runs(channels, deliveries, failed):
        if isinstance(channel, BatchChannel):
            try:
                outcomes = await channel.send_many(run)
            except Exception as exc:
                outcomes = [exc] * len(run)
            for delivery, outcome in zip(run, outcomes, strict=True):
                if outcome is not None:
                    failed[delivery.message_id] = outcome
            continue
        for delivery in run:
            with trace.use_span(spans[delivery.message_id], end_on_exit=False):
                try:
                    await channel.send(delivery)
                except Exception as exc:
                    failed[delivery.message_id] = exc
    return failed


def _runs(
    channels: Mapping[str, MessageChannel],
    deliveries: Sequence[Delivery],
    failed: dict[uuid.UUID, Exception],
) -> list[tuple[MessageChannel, list[Delivery]]]:
    """Consecutive deliveries grouped by the channel object that takes them; a delivery for
    a channel not wired fails alone (``KeyError``, into ``failed``), as a send would."""
    runs: list[tuple[MessageChannel, list[Delivery]]] = []
    for delivery in deliveries:
        channel = channels.get(delivery.channel)
        if channel is None:
            failed[delivery.message_id] = KeyError(delivery.channel)
        elif runs and runs[-1][0] is channel:
            runs[-1][1].append(delivery)
        else:
            runs.append((channel, [delivery]))
    return runs
