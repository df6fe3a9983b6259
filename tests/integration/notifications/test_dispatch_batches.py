"""The dispatcher's rounds: many messages in one transaction, with the one-by-one guarantees.

Per participant in created order, a failing message alone, never one message twice between
two dispatchers, and a crash between the channel's acceptance and the commit resending
exactly the same messages (the dev sink keeping one copy of each).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence

import pytest
from integration.notifications.events import activated, registered
from integration.notifications.handling import decide_together
from jkn_bus.personal_data import LocalKeks
from jkn_bus.service import ServiceRuntime
from jkn_contracts import EventBase, NotificationSent, parse_event
from notifications.adapters.at_rest import NotificationsColumns, columns_for
from notifications.adapters.channels import ChannelError, Delivery, DevSinkChannel
from notifications.adapters.messages import WAKE_CHANNEL
from notifications.adapters.outbox import sql_outbox
from notifications.app.dispatcher import Dispatcher
from notifications.app.ports import DueMessage, Outbox
from notifications.bootstrap import dispatcher
from support.polling import eventually

pytestmark = pytest.mark.infra

CHANNELS = ("sms", "whatsapp", "email", "dev_sink")
COLUMNS = columns_for(LocalKeks.from_config())


class OneByOne:
    """A channel sending each message on its own (a live provider's way), recording the
    order it got them in; the message ids in ``refused`` fail for good."""

    def __init__(self, refused: Sequence[uuid.UUID] = ()) -> None:
        self.given: list[Delivery] = []
        self._refused = set(refused)

    async def send(self, delivery: Delivery) -> None:
        self.given.append(delivery)
        if delivery.message_id in self._refused:
            raise ChannelError("no such number", permanent=True)


class CountingSink:
    """The dev sink taking a round at once (``send_many``), counting what it was given;
    the message ids in ``refused`` fail for good, the others reach the sink."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        columns: NotificationsColumns,
        refused: Sequence[uuid.UUID] = (),
    ) -> None:
        self.sink = DevSinkChannel(runtime.pool, columns)
        self.given: list[Delivery] = []
        self.calls = 0
        self._refused = set(refused)

    async def send(self, delivery: Delivery) -> None:
        [failure] = await self.send_many([delivery])
        if failure is not None:
            raise failure

    async def send_many(self, deliveries: Sequence[Delivery]) -> list[Exception | None]:
        self.calls += 1
        self.given += deliveries
        accepted = [d for d in deliveries if d.message_id not in self._refused]
        outcomes = iter(await self.sink.send_many(accepted))
        return [
            ChannelError("no such number", permanent=True)
            if d.message_id in self._refused
            else next(outcomes)
            for d in deliveries
        ]


class Crash(Exception):
    """The process dying between the channel's acceptance and the commit."""


class CrashingOutbox:
    """The SQL outbox whose ``mark_sent`` fails: the round's transaction is rolled back
    after the channel accepted every message."""

    def __init__(self, inner: Outbox) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    async def mark_sent(self, messages: Sequence[DueMessage]) -> None:
        raise Crash


def _journey(n: int, steps: int) -> list[EventBase]:
    """A registration and ``steps`` activations (each one message) of resident ``n``."""
    who = registered(n)
    return [who, *(activated(who, f"{n:09d}{k:04d}") for k in range(steps))]


def _pid(journey: Sequence[EventBase]) -> str:
    return str(journey[0].participant_id)


async def _created_order(runtime: ServiceRuntime, journey: Sequence[EventBase]) -> list[uuid.UUID]:
    """The journey's messages in the order their events were handled (each event one)."""
    rows = await runtime.pool.fetch(
        "SELECT message_id, about_event_id FROM messages WHERE participant_id = $1",
        _pid(journey),
    )
    about = {r["about_event_id"]: r["message_id"] for r in rows}
    assert len(about) == len(journey)
    return [about[e.event_id] for e in journey]


async def _stated(runtime: ServiceRuntime, participant_id: str) -> list[tuple[uuid.UUID, str]]:
    """The participant's NotificationSent in the outbox's order: (message id, status)."""
    rows = await runtime.pool.fetch(
        "SELECT value FROM outbox WHERE key = $1 ORDER BY id", participant_id
    )
    told = [parse_event(bytes(r["value"])) for r in rows]
    return [
        (e.payload.message_id, e.payload.status) for e in told if isinstance(e, NotificationSent)
    ]


async def _statuses(runtime: ServiceRuntime, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await runtime.pool.fetch(
        "SELECT message_id, status FROM messages WHERE message_id = ANY($1::uuid[])", list(ids)
    )
    return {r["message_id"]: r["status"] for r in rows}


@pytest.mark.parametrize("batch", [50, 3])
@pytest.mark.parametrize("kind", ["one by one", "send_many"])
async def test_each_participant_s_messages_go_out_and_are_stated_in_created_order(
    runtime: ServiceRuntime, batch: int, kind: str
) -> None:
    base = 10 + 10 * batch + (0 if kind == "one by one" else 5)
    first, second = _journey(base, 3), _journey(base + 1, 2)
    # interleaved, as a consumed batch of two participants' events may be
    await decide_together(
        runtime, [first[0], second[0], first[1], second[1], first[2], second[2], first[3]]
    )
    channel = OneByOne() if kind == "one by one" else CountingSink(runtime, COLUMNS)
    sending = dispatcher(runtime, dict.fromkeys(CHANNELS, channel), COLUMNS, batch=batch)

    rounds = []
    while claimed := await sending.dispatch_batch():
        rounds.append(claimed)

    assert sum(rounds) == 7
    assert rounds == ([7] if batch == 50 else [3, 3, 1])
    for journey in (first, second):
        created = await _created_order(runtime, journey)
        given = [d.message_id for d in channel.given if d.participant_id == _pid(journey)]
        assert given == created
        assert await _stated(runtime, _pid(journey)) == [(m, "sent") for m in created]
        assert set((await _statuses(runtime, created)).values()) == {"sent"}
    if isinstance(channel, CountingSink):
        assert channel.calls == len(rounds)  # a round's messages in one call


@pytest.mark.parametrize("kind", ["one by one", "send_many"])
async def test_a_message_refused_for_good_fails_alone_in_its_round(
    runtime: ServiceRuntime, kind: str
) -> None:
    base = 60 + (0 if kind == "one by one" else 5)
    first, second = _journey(base, 2), _journey(base + 1, 2)
    await decide_together(runtime, [*first, *second])
    [_, refused, _] = await _created_order(runtime, first)
    channel = (
        OneByOne([refused]) if kind == "one by one" else CountingSink(runtime, COLUMNS, [refused])
    )
    sending = dispatcher(runtime, dict.fromkeys(CHANNELS, channel), COLUMNS, batch=50)

    assert await sending.dispatch_batch() == 6  # one round

    ids = []
    for journey in (first, second):
        created = await _created_order(runtime, journey)
        ids += created
        expected = {m: "failed" if m == refused else "sent" for m in created}
        assert await _statuses(runtime, created) == expected
        assert await _stated(runtime, _pid(journey)) == list(expected.items())
    row = await runtime.pool.fetchrow(
        "SELECT attempts, last_error FROM messages WHERE message_id = $1", refused
    )
    assert (row["attempts"], row["last_error"]) == (1, "no such number")
    if isinstance(channel, CountingSink):  # the others reached the sink, in the same call
        in_sink = await runtime.pool.fetch(
            "SELECT message_id FROM sink WHERE message_id = ANY($1::uuid[])", ids
        )
        assert {r["message_id"] for r in in_sink} == set(ids) - {refused}
        assert channel.calls == 1


async def test_two_dispatchers_at_once_never_send_a_message_twice(runtime: ServiceRuntime) -> None:
    people = [_journey(100 + n, 2) for n in range(40)]
    await decide_together(runtime, [e for journey in people for e in journey])
    ids = [m for j in people for m in await _created_order(runtime, j)]
    channels = [CountingSink(runtime, COLUMNS), CountingSink(runtime, COLUMNS)]
    dispatchers = [  # small rounds, three workers each: they contend for the 120
        dispatcher(runtime, dict.fromkeys(CHANNELS, c), COLUMNS, workers=3, batch=4,
                   poll_interval_s=0.05)
        for c in channels
    ]  # fmt: skip
    for d in dispatchers:
        await d.start()
    try:
        await eventually(lambda: _all_sent(runtime, ids))
    finally:
        for d in dispatchers:
            await d.stop()

    given = Counter(d.message_id for c in channels for d in c.given)
    assert len(ids) == 120
    assert given == Counter(dict.fromkeys(ids, 1))
    assert all(c.given for c in channels)  # both took part
    rows = await runtime.pool.fetchval(
        "SELECT count(*) FROM sink WHERE message_id = ANY($1::uuid[])", ids
    )
    assert rows == 120
    for journey in people:
        created = await _created_order(runtime, journey)
        assert await _stated(runtime, _pid(journey)) == [(m, "sent") for m in created]


async def _all_sent(runtime: ServiceRuntime, ids: Sequence[uuid.UUID]) -> bool:
    return set((await _statuses(runtime, ids)).values()) == {"sent"}


async def test_a_crash_between_send_and_commit_resends_the_same_messages_once_each(
    runtime: ServiceRuntime,
) -> None:
    people = [_journey(200 + n, 1) for n in range(3)]
    await decide_together(runtime, [e for journey in people for e in journey])
    ids = [m for j in people for m in await _created_order(runtime, j)]
    channel = CountingSink(runtime, COLUMNS)
    channels = dict.fromkeys(CHANNELS, channel)
    outbox = sql_outbox(COLUMNS)
    crashing = Dispatcher(
        runtime, channels, lambda uow: CrashingOutbox(outbox(uow)), wake_channel=WAKE_CHANNEL
    )

    with pytest.raises(Crash):
        await crashing.dispatch_batch()
    accepted = [d.message_id for d in channel.given]
    assert sorted(accepted) == sorted(ids)  # the channel had them all
    assert set((await _statuses(runtime, ids)).values()) == {"pending"}  # rolled back
    assert [await _stated(runtime, _pid(j)) for j in people] == [[], [], []]

    assert await dispatcher(runtime, channels, COLUMNS).dispatch_batch() == len(ids)
    resent = [d.message_id for d in channel.given[len(accepted) :]]
    assert resent == accepted  # the same ids, in the same order
    copies = await runtime.pool.fetch(
        "SELECT message_id, count(*) AS n FROM sink WHERE message_id = ANY($1::uuid[])"
        " GROUP BY message_id",
        ids,
    )
    assert {r["message_id"]: r["n"] for r in copies} == dict.fromkeys(ids, 1)
    assert set((await _statuses(runtime, ids)).values()) == {"sent"}
    for journey in people:
        created = await _created_order(runtime, journey)
        assert await _stated(runtime, _pid(journey)) == [(m, "sent") for m in created]
