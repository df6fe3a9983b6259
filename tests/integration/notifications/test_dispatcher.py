"""The dispatcher: one sender per message, retries with backoff, failures stated, each in
its message's trace."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from integration.notifications.conftest import BOOTSTRAP
from integration.notifications.events import activated, registered
from integration.notifications.handling import decide_together
from jkn_bus.personal_data import LocalKeks
from jkn_bus.service import ServiceRuntime
from jkn_contracts import NotificationSent, parse_event
from notifications.adapters.at_rest import columns_for
from notifications.adapters.channels import ChannelError, Delivery
from notifications.adapters.messages import WAKE_CHANNEL
from notifications.adapters.outbox import sql_outbox
from notifications.app.dispatcher import Dispatcher
from notifications.bootstrap import dispatcher
from support.kafka import read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

CHANNELS = ("sms", "whatsapp", "email", "dev_sink")

# the handlers' SQL mailroom, its columns under this process's KEKs and the sealer's keyring
# the dispatcher's SQL outbox, its columns under this process's KEKs too
OUTBOX = sql_outbox(columns_for(LocalKeks.from_config()))


class Recording:
    """A channel that records what it was given, optionally failing the first attempts."""

    def __init__(self, failures: int = 0, *, permanent: bool = False) -> None:
        self.sent: list[uuid.UUID] = []
        self.attempts: Counter[uuid.UUID] = Counter()
        self._failures, self._permanent = failures, permanent

    async def send(self, delivery: Delivery) -> None:
        self.attempts[delivery.message_id] += 1
        if self.attempts[delivery.message_id] <= self._failures:
            raise ChannelError("provider busy", permanent=self._permanent)
        await asyncio.sleep(0.005)  # a slow provider widens any race
        self.sent.append(delivery.message_id)


async def _pending(runtime: ServiceRuntime) -> int:
    return int(
        await runtime.pool.fetchval("SELECT count(*) FROM messages WHERE status = 'pending'")
    )


async def test_two_dispatchers_never_send_the_same_message(runtime: ServiceRuntime) -> None:
    people = [registered(100 + n) for n in range(30)]
    await decide_together(runtime, [e for p in people for e in (p, activated(p))])
    left, right = Recording(), Recording()
    dispatchers = [  # small rounds: both have their share of the 60
        dispatcher(
            runtime, dict.fromkeys(CHANNELS, channel), workers=3, batch=4, poll_interval_s=0.05
        )
        for channel in (left, right)
    ]
    for d in dispatchers:
        await d.start()
    try:
        await eventually(lambda: _none_pending(runtime))
    finally:
        for d in dispatchers:
            await d.stop()

    sent = left.sent + right.sent
    assert len(sent) == 60
    assert len(set(sent)) == 60
    assert left.sent  # both took part
    assert right.sent


async def _none_pending(runtime: ServiceRuntime) -> bool:
    return await _pending(runtime) == 0


class BrokenOnce(Dispatcher):
    """A dispatcher whose first claims fail as asyncpg's do after a Postgres restart."""

    failures = 2

    async def dispatch_batch(self) -> int:
        if self.failures:
            self.failures -= 1
            # not an InterfaceError nor a PostgresError: asyncpg's own client-side state error
            raise asyncpg.exceptions.InternalClientError("connection was lost mid-operation")
        return await super().dispatch_batch()


async def test_a_sender_outlives_any_failure_of_the_database_client(
    runtime: ServiceRuntime,
) -> None:
    who = registered(150)
    await decide_together(runtime, [who])
    channel = Recording()
    sending = BrokenOnce(runtime, dict.fromkeys(CHANNELS, channel), OUTBOX,
                         wake_channel=WAKE_CHANNEL, workers=1, poll_interval_s=0.05)  # fmt: skip
    await sending.start()
    try:
        await eventually(lambda: _none_pending(runtime))
    finally:
        await sending.stop()

    assert sending.failures == 0  # both failures happened, and the worker went on
    assert len(channel.sent) == 1


async def test_a_failing_channel_is_retried_with_backoff_then_the_message_is_sent(
    runtime: ServiceRuntime,
) -> None:
    who = registered(200)
    await decide_together(runtime, [who])
    flaky = Recording(failures=2)
    sending = dispatcher(runtime, dict.fromkeys(CHANNELS, flaky), workers=1,
                         backoff_s=(0.1, 0.2), poll_interval_s=0.05)  # fmt: skip
    await sending.start()
    try:
        await eventually(lambda: _none_pending(runtime))
    finally:
        await sending.stop()

    row = await runtime.pool.fetchrow(
        "SELECT status, attempts, last_error FROM messages WHERE participant_id = $1",
        who.participant_id,
    )
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)


async def test_a_permanent_failure_is_recorded_and_stated_as_failed(
    runtime: ServiceRuntime, topic_prefix: str
) -> None:
    who = registered(300)
    await decide_together(runtime, [who])
    broken = Recording(failures=99, permanent=True)
    sending = dispatcher(runtime, dict.fromkeys(CHANNELS, broken), workers=1,
                         poll_interval_s=0.05)  # fmt: skip
    await sending.start()
    try:
        await eventually(lambda: _none_pending(runtime))
    finally:
        await sending.stop()

    row = await runtime.pool.fetchrow(
        "SELECT status, attempts, last_error FROM messages WHERE participant_id = $1",
        who.participant_id,
    )
    assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 1, "provider busy")
    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.notifications.messages", expect=61)
    told = [parse_event(r.value) for r in records if r.key == who.participant_id.encode()]
    assert [(type(e), e.payload.status) for e in told] == [(NotificationSent, "failed")]  # type: ignore[union-attr]


async def test_each_notification_sent_of_a_round_continues_its_own_message_s_trace(
    runtime: ServiceRuntime,
) -> None:
    people = [registered(400 + n) for n in range(3)]
    await decide_together(runtime, people)
    traces = {p.participant_id: f"{400 + n:032x}" for n, p in enumerate(people)}
    for pid, trace_id in traces.items():  # as if each event had come with its own trace
        await runtime.pool.execute(
            "UPDATE messages SET trace_headers = $2::jsonb WHERE participant_id = $1",
            pid,
            json.dumps({"traceparent": f"00-{trace_id}-{1:016x}-01"}),
        )

    sending = dispatcher(runtime, dict.fromkeys(CHANNELS, Recording()), batch=50)
    assert await sending.dispatch_batch() == 3  # one round for the three

    rows = await runtime.pool.fetch(
        "SELECT key, headers FROM outbox WHERE key = ANY($1::text[])", list(traces)
    )
    stated = {r["key"]: json.loads(r["headers"])["traceparent"].split("-")[1] for r in rows}
    assert stated == traces


async def test_a_queued_message_wakes_the_dispatchers_and_one_already_queued_does_not(
    runtime: ServiceRuntime,
) -> None:
    heard: list[str] = []

    def hear(_conn: object, _pid: int, channel: str, _payload: str) -> None:
        heard.append(channel)

    listener = await runtime.pool.acquire()
    await listener.add_listener(WAKE_CHANNEL, hear)
    try:
        first, second = registered(410), registered(411)
        await decide_together(runtime, [first])  # its greeting queued: a wake-up
        await decide_together(runtime, [first])  # the same greeting: nothing queued, no wake-up
        await decide_together(runtime, [second])
        # one session's notifications arrive in commit order: once the third transaction's
        # is heard, the second's would have been heard before it
        await eventually(_async(lambda: len(heard) >= 2))
        greetings = await runtime.pool.fetchval(
            "SELECT count(*) FROM messages WHERE participant_id = ANY($1::text[])",
            [first.participant_id, second.participant_id],
        )
    finally:
        await listener.remove_listener(WAKE_CHANNEL, hear)
        await runtime.pool.release(listener)
    assert greetings == 2
    assert heard == [WAKE_CHANNEL, WAKE_CHANNEL]


def _async(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def checked() -> bool:
        return check()

    return checked
