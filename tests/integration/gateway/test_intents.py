"""The gateway's intents (README, Intents): a crash before the outcome commit is resolved by
a look-up, nothing filed twice; an outage blocks no consumption, opens the breaker, drains
afterwards; a resident's calls keep their order; ``BPJS_MAX_IN_FLIGHT`` bounds the calls.
Real Kafka and Postgres, the simulator in strict mode; a gateway of its own (lease 2 s)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import date
from typing import Any, TypeVar

import httpx
import pytest
from bpjs_gateway.adapters.at_rest import gateway_columns
from bpjs_gateway.adapters.backlog import refresh_backlog
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.adapters.intents import SqlIntentQueue
from bpjs_gateway.app.ports import Intent
from bpjs_gateway.bootstrap import build_runtime, build_worker, run_worker
from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta
from bpjs_gateway.metrics import BREAKER_OPEN, BREAKER_TRANSITIONS, INTENT_OLDEST_OPEN_S
from bpjs_gateway.settings import GatewaySettings
from integration.gateway.conftest import (
    BOOTSTRAP,
    SIM_CONS_ID,
    SIM_SECRET,
    SIM_USER_KEY,
    Collector,
    uncovered_residents,
    verified,
)
from integration.gateway.test_gateway_flow import send
from jkn_bus import BusSettings, ServiceRuntime, UnitOfWork
from jkn_contracts import SlotReleased
from support.polling import eventually

pytestmark = pytest.mark.infra
BPJS_SIM_STRICT = True  # a mutation filed twice would be refused, not absorbed

UNCOVERED = uncovered_residents()
MAX_IN_FLIGHT = 2
T = TypeVar("T")


class WorkerKilled(BaseException):
    """The worker process dies: nothing after the raise runs, the intent stays in flight."""


class CrashingQueue(SqlIntentQueue):
    """The intents table, whose outcome transaction fails once for the participants of
    ``crash``: ConnectionResetError as a failed commit would, WorkerKilled as a kill would."""

    crash: dict[str, type[BaseException]]

    @contextlib.asynccontextmanager
    async def recording(self, intent: Intent, outcome: str) -> AsyncIterator[UnitOfWork | None]:
        if (crash := self.crash.pop(intent.participant_id, None)) is not None:
            raise crash
        async with super().recording(intent, outcome) as uow:
            yield uow


class CountingBpjs:
    """The BPJS client, counting the calls in flight at once."""

    def __init__(self, inner: BpjsClient) -> None:
        self._inner = inner
        self.now = 0
        self.peak = 0

    async def _one(self, call: Awaitable[T]) -> T:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await call
        finally:
            self.now -= 1

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        return await self._one(self._inner.peserta_by_nik(nik, on))

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        return await self._one(self._inner.peserta_by_card(no_kartu, on))

    async def mutate(self, mutation: Mutation) -> MutationResult:
        return await self._one(self._inner.mutate(mutation))


@pytest.fixture(scope="module")
async def gateway(
    database: dict[str, str], topic_prefix: str, simulator: str, seeded: list[dict[str, Any]]
) -> AsyncIterator[tuple[ServiceRuntime, CrashingQueue, CountingBpjs]]:
    del seeded
    settings = GatewaySettings(
        bpjs_base_url=simulator,
        bpjs_cons_id=SIM_CONS_ID,
        bpjs_secret=SIM_SECRET,
        bpjs_user_key=SIM_USER_KEY,
        bpjs_timeout_s=5,
        bpjs_max_in_flight=MAX_IN_FLIGHT,
        bpjs_retry_base_s=0.2,
        bpjs_retry_max_s=1,
        bpjs_breaker_threshold=3,
        bpjs_breaker_cooldown_s=1,
        bpjs_intent_lease_s=2,
        bpjs_intent_poll_s=0.2,
    )
    bus = BusSettings(
        service="bpjs-gateway",
        database_url=database["bpjs-gateway"],
        kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix,
        relay_poll_interval_s=0.2,
    )
    client = BpjsClient(simulator, SIM_CONS_ID, SIM_SECRET, SIM_USER_KEY, timeout=5)
    counting = CountingBpjs(client)
    runtime = build_runtime(settings, bpjs=client, bus=bus)
    await runtime.start()
    sealed = gateway_columns(runtime.settings.key_encryption_keys()).intents
    queue = CrashingQueue(
        runtime.pool, sealed, topic_prefix=topic_prefix, schema="bpjs_gateway", lease_s=2
    )
    queue.crash = {}
    worker = build_worker(runtime, counting, settings, queue=queue)
    task = asyncio.create_task(run_worker(runtime, worker))
    yield runtime, queue, counting
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await runtime.stop()
    await client.aclose()


async def mutations_filed(sim_admin: httpx.AsyncClient) -> int:
    """Mutations BPJS received (the simulator's own count of its routes)."""
    calls = (await sim_admin.get("/_sim/calls")).raise_for_status().json()
    return sum(n for route, n in calls["by_route"].items() if "mutasi" in route)


async def activated(published: Collector, participant_id: str) -> Any:
    async def check() -> Any:
        found = published.of(participant_id, "ParticipantActivated")
        return found[0] if found else None

    return await eventually(check, timeout=60)


async def intent_rows(runtime: ServiceRuntime, participant_id: str) -> list[Any]:
    return list(
        await runtime.pool.fetch(
            "SELECT operation, state, attempts, outcome, claimed_at, updated_at,"
            " cause IS NULL AND cause_sealed IS NOT NULL AS sealed"
            " FROM bpjs_intents WHERE participant_id = $1 ORDER BY id",
            participant_id,
        )
    )


@pytest.mark.parametrize("crash", [ConnectionResetError, WorkerKilled])
async def test_a_crash_between_bpjs_accepting_a_tambah_and_our_commit_files_nothing_twice(
    crash: type[BaseException],
    gateway: tuple[ServiceRuntime, CrashingQueue, CountingBpjs],
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    runtime, queue, _ = gateway
    event = verified(next(UNCOVERED))
    queue.crash[event.participant_id] = crash
    filed_before = await mutations_filed(sim_admin)

    await send(topic_prefix, event)
    answer = await activated(published, event.participant_id)

    assert answer.causation_id == event.event_id
    assert answer.payload.proposal_id == event.payload.proposal_id
    assert await mutations_filed(sim_admin) - filed_before == 1
    (row,) = await intent_rows(runtime, event.participant_id)
    assert (row["operation"], row["state"], row["outcome"]) == (
        "tambah",
        "done",
        "resolved_by_lookup",
    )
    assert (row["attempts"], row["sealed"]) == (2, True)  # the cause kept sealed only
    audit = await runtime.pool.fetchval(
        "SELECT count(*) FROM bpjs_mutations WHERE participant_id = $1", event.participant_id
    )
    assert audit == 1
    assert published.of(event.participant_id, "RegistrationRefused") == []


@pytest.mark.parametrize("fault", [{"force_403": True}, {"http_500_rate": 1.0}])
async def test_a_bpjs_outage_blocks_no_consumption_opens_the_breaker_and_drains_afterwards(
    fault: dict[str, Any],
    gateway: tuple[ServiceRuntime, CrashingQueue, CountingBpjs],
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    runtime, _, _ = gateway
    opened = BREAKER_TRANSITIONS.labels("tambah", "open")._value.get()
    (await sim_admin.post("/_sim/faults", json=fault)).raise_for_status()
    try:
        events = [verified(next(UNCOVERED)) for _ in range(4)]
        await send(topic_prefix, *events)
        pids = [e.participant_id for e in events]

        async def all_recorded() -> bool:
            count = await runtime.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = ANY($1::uuid[])",
                [e.event_id for e in events],
            )
            return bool(count == len(events))

        await eventually(all_recorded, timeout=30)  # consumed while BPJS is down

        async def breaker_opened() -> bool:
            return bool(BREAKER_TRANSITIONS.labels("tambah", "open")._value.get() > opened)

        await eventually(breaker_opened, timeout=30)
        assert BREAKER_OPEN.labels("tambah")._value.get() == 1
        assert all(published.of(p, "ParticipantActivated") == [] for p in pids)
        pending = await runtime.pool.fetchval(
            "SELECT count(*) FROM bpjs_intents WHERE participant_id = ANY($1::text[])"
            " AND state IN ('pending', 'in_flight')",
            pids,
        )
        assert pending == len(events)
        assert await runtime.pool.fetchval("SELECT count(*) FROM dead_letters") == 0
        # the operator's view of the wait: the backlog gauges count these residents
        counts = await refresh_backlog(runtime.pool)
        assert counts["tambah", "pending"] + counts["tambah", "in_flight"] >= len(events)
        assert INTENT_OLDEST_OPEN_S.labels("tambah")._value.get() > 0
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    for p in pids:
        await activated(published, p)
    assert BREAKER_OPEN.labels("tambah")._value.get() == 0
    tambah = await runtime.pool.fetch(
        "SELECT participant_id, count(*) AS n FROM bpjs_mutations"
        " WHERE participant_id = ANY($1::text[]) GROUP BY participant_id",
        pids,
    )
    assert sorted(r["n"] for r in tambah) == [1] * len(events)
    left = await refresh_backlog(runtime.pool)
    mine = await runtime.pool.fetchval(
        "SELECT count(*) FROM bpjs_intents WHERE participant_id = ANY($1::text[])"
        " AND state IN ('pending', 'in_flight')",
        pids,
    )
    assert mine == 0
    assert left["tambah", "pending"] + left["tambah", "in_flight"] == await runtime.pool.fetchval(
        "SELECT count(*) FROM bpjs_intents WHERE operation = 'tambah'"
        " AND state IN ('pending', 'in_flight')"
    ), "the gauge is the table's count, not a tally of its own"


async def test_a_kurang_recorded_right_after_a_tambah_waits_for_it(
    gateway: tuple[ServiceRuntime, CrashingQueue, CountingBpjs],
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    runtime, _, _ = gateway
    event = verified(next(UNCOVERED))
    released = SlotReleased(
        participant_id=event.participant_id,
        correlation_id=uuid.uuid4(),
        payload={"reason": "pindah", "quota_used": 3, "quota_total": 10},
    )
    (await sim_admin.post("/_sim/faults", json={"latency_ms": 300})).raise_for_status()
    try:
        await send(topic_prefix, event)
        await send(topic_prefix, released)

        async def deactivated() -> Any:
            found = published.of(event.participant_id, "ParticipantDeactivated")
            return found[0] if found else None

        ended = await eventually(deactivated, timeout=60)
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    answer = await activated(published, event.participant_id)
    assert ended.payload.no_kartu == answer.payload.no_kartu  # filed on the card just made
    tambah, kurang = await intent_rows(runtime, event.participant_id)
    assert (tambah["operation"], kurang["operation"]) == ("tambah", "kurang")
    assert kurang["claimed_at"] >= tambah["updated_at"]  # claimed once the tambah was settled
    assert [e.event_type for e in published.of(event.participant_id)] == [
        "ParticipantActivated",
        "ParticipantDeactivated",
    ]


async def test_no_more_calls_are_in_flight_than_the_setting_allows(
    gateway: tuple[ServiceRuntime, CrashingQueue, CountingBpjs],
    published: Collector,
    topic_prefix: str,
    sim_admin: httpx.AsyncClient,
) -> None:
    _, _, counting = gateway
    counting.peak = 0
    (await sim_admin.post("/_sim/faults", json={"latency_ms": 200})).raise_for_status()
    try:
        events = [verified(next(UNCOVERED)) for _ in range(6)]
        await send(topic_prefix, *events)
        for e in events:
            await activated(published, e.participant_id)
    finally:
        (await sim_admin.delete("/_sim/faults")).raise_for_status()

    assert counting.peak == MAX_IN_FLIGHT
