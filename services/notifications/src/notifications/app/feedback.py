"""The feedback channel's use cases: receive an item, answer it, reroute it.

Each runs in one transaction: the item, its history row and the reply to its sender (a
pending message the dispatcher sends like any other) commit together or not at all. A
webhook redelivery finds its item by (channel, provider message id) and changes nothing,
so the sender gets one item and one reply.

An answer and a reroute are acts of an agency's staff: the history row keeps who acted
(``<agency>:<actor id>``) and the same transaction states it on the bus, for the audit
trail, as ``FeedbackAnswered`` / ``FeedbackRerouted`` (the caller's actor, the tracking
number, the agencies, the deadline — never the texts, never the sender's contact).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import asyncpg
from jkn_bus.service import ServiceRuntime
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import Actor, FeedbackAnswered, FeedbackRerouted
from jkn_contracts.city import CITY_TZ
from jkn_contracts.events import FeedbackAnsweredPayload, FeedbackReroutedPayload

from notifications.app.ports import FeedbackBook, FeedbackMetrics, NewItem, NewMessage
from notifications.domain.feedback import (
    DEFAULT_DUE_DAYS,
    Kind,
    Topic,
    agency_for,
    due_date,
    parse_due_days,
)
from notifications.domain.feedback_forms import (
    Answer,
    FieldError,
    ReplyTo,
    Reroute,
    check_answer,
    check_reroute,
)
from notifications.domain.feedback_replies import answered_reply, received_reply
from notifications.domain.templates import Message
from notifications.domain.tracking import access_hash, new_access_code, tracking_number

__all__ = ["FeedbackDesk", "NotFound", "Receipt", "feedback_desk", "item_correlation"]

log = logging.getLogger(__name__)

_MESSAGE_IDS = uuid.UUID("5d0e8c43-7b21-4f6a-9a3e-2c8b1f6d4e90")  # fixed: ids stay stable
_ITEM_JOURNEYS = uuid.UUID("0b6f3a9e-44c2-4d71-8e25-7f1a9c3d5b62")  # fixed, as above


def item_correlation(number: str) -> uuid.UUID:
    """The correlation id of every act on one item: its answer and reroutes, linked."""
    return uuid.uuid5(_ITEM_JOURNEYS, number)


class NotFound(Exception):
    """No item with that tracking number."""


@dataclass(frozen=True)
class Receipt:
    """What the sender is given. ``access_code`` is None for a redelivered webhook: the code
    was sent with the first reply and is not kept."""

    tracking_number: str
    agency: str
    due_date: date
    access_code: str | None = field(repr=False)
    created: bool


@dataclass
class FeedbackDesk:
    """The channel's settings and clock (injectable: tests move time); ``book`` reaches
    the items on a unit of work's connection, ``metrics`` counts them."""

    runtime: ServiceRuntime
    book: Callable[[UnitOfWork], FeedbackBook]
    metrics: FeedbackMetrics
    due_days: dict[Kind, int] = field(default_factory=lambda: dict(DEFAULT_DUE_DAYS))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    @property
    def pool(self) -> asyncpg.Pool:
        pool: asyncpg.Pool = self.runtime.pool
        return pool

    def today(self) -> date:
        """The city's date (WIB): deadlines are calendar days there."""
        return self.clock().astimezone(CITY_TZ).date()

    async def refresh_metrics(self) -> None:
        """Set the open/overdue gauges; a database hiccup leaves them as they were rather
        than failing a committed change or a scrape."""
        try:
            await self.metrics.observe(self.today())
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("feedback gauges not refreshed: %s", type(exc).__name__)

    async def receive(
        self,
        *,
        channel: str,
        kind: Kind,
        topic: Topic,
        message: str,
        reply_to: ReplyTo | None,
        participant_id: str | None = None,
        inbound_message_id: str | None = None,
    ) -> Receipt:
        """Record a new item routed by its topic, and queue the reply with its code."""
        now = self.clock()
        agency = agency_for(topic)
        due = due_date(kind, now.astimezone(CITY_TZ).date(), self.due_days)
        code = new_access_code()
        async with self.runtime.unit_of_work() as uow:
            book = self.book(uow)
            sequence = await book.next_number()
            number = tracking_number(kind, now.astimezone(CITY_TZ).year, sequence)
            item = NewItem(
                number, access_hash(code), kind, topic, agency, channel, inbound_message_id,
                message, reply_to.channel if reply_to else None,
                reply_to.address if reply_to else None, participant_id, now, due,
            )  # fmt: skip
            if not await book.insert(item):
                assert inbound_message_id is not None  # only webhooks carry an id
                known = await book.find_inbound(channel, inbound_message_id)
                assert known is not None
                return Receipt(known.tracking_number, known.agency, known.due_date,
                               None, created=False)  # fmt: skip
            await book.add_history(number, "received", actor=channel, agency=agency, at=now)
            if reply_to is not None:
                reply = received_reply(kind, number, code, agency, due)
                await _reply(
                    book, number, "received",
                    reply=reply, channel=reply_to.channel, secret=code,
                )  # fmt: skip
        self.metrics.received(channel, kind)
        log.info("feedback received", extra={"tracking_number": number, "agency": agency})
        await self.refresh_metrics()
        return Receipt(number, agency, due, code, created=True)

    async def answer(self, number: str, answer: Answer, *, actor: Actor) -> FieldError | None:
        """Record the routed agency's answer and pass it on to the sender (if reachable);
        state it (FeedbackAnswered) as ``actor``'s act."""
        now = self.clock()
        async with self.runtime.unit_of_work(actor=actor) as uow:
            book = self.book(uow)
            item = await book.find(number, lock=True)
            if item is None:
                raise NotFound(number)
            problem = check_answer(item.agency, item.status, answer)
            if problem is not None:
                return problem
            await book.mark_answered(number, answer.answer, answered_by=answer.answered_by, at=now)
            await book.add_history(
                number, "answered", actor=f"{answer.agency}:{answer.answered_by}",
                agency=answer.agency, at=now,
            )  # fmt: skip
            if item.reply_channel is not None:
                reply = answered_reply(item.kind, number, answer.agency, answer.answer)
                await _reply(
                    book, number, "answered", reply=reply, channel=item.reply_channel
                )  # fmt: skip
            await uow.emit(
                FeedbackAnswered(
                    occurred_at=now,
                    correlation_id=item_correlation(number),
                    actor=actor,
                    payload=FeedbackAnsweredPayload(
                        tracking_number=number,
                        kind=item.kind,
                        agency=answer.agency,
                        due_date=item.due_date,
                        overdue=now.astimezone(CITY_TZ).date() > item.due_date,
                    ),
                )
            )
        log.info("feedback answered", extra={"tracking_number": number, "agency": answer.agency})
        await self.refresh_metrics()
        return None

    async def reroute(self, number: str, reroute: Reroute, *, actor: Actor) -> FieldError | None:
        """Hand a misrouted item to the agency in charge; the due date stays. Stated
        (FeedbackRerouted) as ``actor``'s act."""
        now = self.clock()
        async with self.runtime.unit_of_work(actor=actor) as uow:
            book = self.book(uow)
            item = await book.find(number, lock=True)
            if item is None:
                raise NotFound(number)
            problem = check_reroute(item.agency, item.status, reroute)
            if problem is not None:
                return problem
            await book.route_to(number, reroute.to_agency)
            await book.add_history(
                number, "rerouted", actor=f"{reroute.from_agency}:{actor.id}",
                agency=reroute.to_agency, at=now, detail=reroute.reason,
            )  # fmt: skip
            await uow.emit(
                FeedbackRerouted(
                    occurred_at=now,
                    correlation_id=item_correlation(number),
                    actor=actor,
                    payload=FeedbackReroutedPayload(
                        tracking_number=number,
                        kind=item.kind,
                        agency=reroute.from_agency,
                        to_agency=reroute.to_agency,
                        due_date=item.due_date,
                    ),
                )
            )
        log.info(
            "feedback rerouted",
            extra={"tracking_number": number, "agency": reroute.to_agency},
        )
        await self.refresh_metrics()
        return None


async def _reply(
    book: FeedbackBook,
    number: str,
    about: str,
    *,
    reply: Message,
    channel: str,
    secret: str | None = None,
) -> None:
    """Queue one reply to the sender; its key (item + what it says) makes it unique."""
    key = f"feedback:{number}:{about}:{channel}"
    await book.queue_reply(
        NewMessage(
            message_id=uuid.uuid5(_MESSAGE_IDS, key), idempotency_key=key,
            participant_id=None, correlation_id=None, about_event_id=None,
            about_event_type=None, template=reply.template_id, subject=reply.subject,
            body=reply.body, channel=channel, tracking_number=number, secret=secret,
        ),
    )  # fmt: skip


def feedback_desk(
    runtime: ServiceRuntime,
    book: Callable[[UnitOfWork], FeedbackBook],
    metrics: FeedbackMetrics,
    clock: Callable[[], datetime] | None = None,
    due_days: str = "",
) -> FeedbackDesk:
    """The desk with ``due_days`` (``NotificationsSettings.feedback_due_days``; default
    pengaduan=5, pertanyaan=3, masukan=14 calendar days)."""
    days = parse_due_days(due_days)
    if clock is None:
        return FeedbackDesk(runtime, book, metrics, days)
    return FeedbackDesk(runtime, book, metrics, days, clock)
