"""The intents table's own rules against the real Postgres (README, Intents), with no worker
running: a recorded intent wakes the worker once and a cause recorded again neither adds
a row nor wakes it; an outcome is marked done only together with what it writes; a claim
that lost its intent (an erasure, a lease taken over) records nothing; a claim taken over
after its lease comes back as of unknown outcome (looked up before filing again); a claim
brings the participant's row along, as the previous intent's outcome committed it, and the
personal fields its call sends opened with the round's key (the call reads nothing)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from bpjs_gateway.adapters.at_rest import GatewayColumns, gateway_columns
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.adapters.intents import (
    _CLAIM,
    _IN_DUE_ORDER,
    Opener,
    SqlIntentQueue,
    SqlIntentRecorder,
)
from bpjs_gateway.adapters.participants import SqlParticipants
from bpjs_gateway.app.common import participant_of, personal_of
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import Intent, ParticipantRecord
from bpjs_gateway.bootstrap import build_runtime, dependencies
from bpjs_gateway.settings import GatewaySettings
from integration.gateway.conftest import BOOTSTRAP, uncovered_residents, verified
from jkn_bus import BusSettings, ServiceRuntime
from jkn_bus.key_memo import transaction_keys
from jkn_bus.personal_data import PersonalDataErased, PersonalDataUnreadable
from support.sealed import escrow

pytestmark = pytest.mark.infra

RESIDENTS = uncovered_residents()


@pytest.fixture(scope="module")
async def runtime(database: dict[str, str], topic_prefix: str) -> AsyncIterator[ServiceRuntime]:
    """The gateway's runtime (its schema migrated) and no intent worker: the tests claim."""
    bus = BusSettings(
        service="bpjs-gateway",
        database_url=database["bpjs-gateway"],
        kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix,
    )
    # never called: nothing here carries an intent out
    client = BpjsClient("http://127.0.0.1:9", "1", "s", "k", timeout=1)
    runtime = build_runtime(GatewaySettings(), bpjs=client, bus=bus)
    await runtime.start()
    yield runtime
    await runtime.stop()
    await client.aclose()


@pytest.fixture(scope="module")
def columns(runtime: ServiceRuntime) -> GatewayColumns:
    return gateway_columns(runtime.settings.key_encryption_keys())


def queue_of(
    runtime: ServiceRuntime,
    columns: GatewayColumns,
    lease_s: float,
    *,
    opener: Opener | None = None,
    kind: type[SqlIntentQueue] = SqlIntentQueue,
) -> SqlIntentQueue:
    return kind(
        runtime.pool,
        columns.intents,
        topic_prefix=runtime.settings.jkn_topic_prefix,
        schema=runtime.settings.db_schema,
        lease_s=lease_s,
        opener=opener,
    )


async def record(runtime: ServiceRuntime, columns: GatewayColumns, cause: Any) -> bool:
    """Record a *tambah* for ``cause`` as the consumer does: in a transaction of its own."""
    with transaction_keys():
        async with runtime.pool.acquire() as conn, conn.transaction():
            recorder = SqlIntentRecorder(conn, columns.intents)
            return await recorder.record(cause=cause, operation="tambah")


async def row(runtime: ServiceRuntime, intent: Intent) -> asyncpg.Record:
    found = await runtime.pool.fetchrow(
        "SELECT state, outcome, attempts, outcome_unknown FROM bpjs_intents WHERE id = $1",
        intent.id,
    )
    assert found is not None
    return found


async def claim_of(queue: SqlIntentQueue, participant_id: str) -> Intent:
    claimed = await queue.claim(["tambah"], 100, busy=())
    mine = [i for i in claimed if i.participant_id == participant_id]
    assert len(mine) == 1, claimed
    return mine[0]


async def recorded(
    runtime: ServiceRuntime, columns: GatewayColumns, *, lease_s: float
) -> tuple[Any, SqlIntentQueue]:
    """A new resident's verified event with its look-up intent recorded, and a queue."""
    cause = verified(next(RESIDENTS))
    await escrow()
    await record(runtime, columns, cause)
    return cause, queue_of(runtime, columns, lease_s=lease_s)


async def fail_while_recording(queue: SqlIntentQueue, intent: Intent) -> None:
    """The outcome's own writes fail inside its transaction."""
    async with queue.recording(intent, "activated") as uow:
        assert uow is not None
        raise RuntimeError


@contextlib.asynccontextmanager
async def listening(runtime: ServiceRuntime) -> AsyncIterator[asyncio.Queue[str]]:
    """The payloads of ``bpjs_intents`` notifications, in the order they were committed."""
    heard: asyncio.Queue[str] = asyncio.Queue()
    conn = await asyncpg.connect(runtime.settings.database_url)

    def on_notify(*args: Any) -> None:
        heard.put_nowait(args[3])

    await conn.add_listener("bpjs_intents", on_notify)
    try:
        yield heard
    finally:
        await conn.close()


async def test_a_recorded_intent_wakes_the_worker_once_and_its_cause_again_adds_nothing(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    cause = verified(next(RESIDENTS))
    await escrow()
    async with listening(runtime) as heard:
        assert await record(runtime, columns, cause) is True
        assert await asyncio.wait_for(heard.get(), 10) == ""
        assert await record(runtime, columns, cause) is False  # a redelivery
        # notifications arrive in commit order: a wake-up of the repeat would come first
        marker = uuid.uuid4().hex
        await runtime.pool.execute("SELECT pg_notify('bpjs_intents', $1)", marker)
        assert await asyncio.wait_for(heard.get(), 10) == marker
    count = await runtime.pool.fetchval(
        "SELECT count(*) FROM bpjs_intents WHERE cause_event_id = $1", cause.event_id
    )
    assert count == 1


async def test_an_outcome_whose_writes_fail_leaves_the_intent_in_flight_for_its_retry(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    cause, queue = await recorded(runtime, columns, lease_s=300)
    intent = await claim_of(queue, cause.participant_id)
    assert intent.cause.event_id == cause.event_id

    with pytest.raises(RuntimeError):
        await fail_while_recording(queue, intent)
    failed = await row(runtime, intent)
    assert (failed["state"], failed["outcome"], failed["attempts"]) == ("in_flight", None, 1)

    await queue.retry(intent, delay_s=0, unknown=True, error="RuntimeError", counted=True)
    again = await claim_of(queue, cause.participant_id)
    assert (again.attempts, again.outcome_unknown) == (2, True)
    async with queue.recording(again, "activated") as uow:
        assert uow is not None
    done = await row(runtime, again)
    assert (done["state"], done["outcome"]) == ("done", "activated")


async def test_a_claim_whose_intent_was_cancelled_by_an_erasure_records_no_outcome(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    cause, queue = await recorded(runtime, columns, lease_s=300)
    intent = await claim_of(queue, cause.participant_id)
    async with runtime.pool.acquire() as conn, conn.transaction():
        assert await SqlIntentRecorder(conn, columns.intents).cancel_open(intent.participant_id)

    async with queue.recording(intent, "activated") as uow:
        assert uow is None
    cancelled = await row(runtime, intent)
    assert (cancelled["state"], cancelled["outcome"]) == ("cancelled", "erased")


async def test_a_claim_taken_over_after_its_lease_records_nothing_and_the_new_one_looks_first(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    # every in-flight intent is past its lease
    cause, queue = await recorded(runtime, columns, lease_s=0)
    dead = await claim_of(queue, cause.participant_id)  # the worker that dies mid-call
    taken = await claim_of(queue, cause.participant_id)
    assert (taken.attempts, taken.outcome_unknown) == (2, True)

    async with queue.recording(dead, "activated") as uow:
        assert uow is None  # the dead claim's late answer writes nothing
    async with queue.recording(taken, "resolved_by_lookup") as uow:
        assert uow is not None
    done = await row(runtime, taken)
    assert (done["state"], done["outcome"], done["attempts"]) == ("done", "resolved_by_lookup", 2)


async def test_a_claim_brings_the_participant_s_row_as_committed_with_its_nik_opened(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    resident = next(RESIDENTS)
    first, second = verified(resident), verified(resident)
    await escrow()
    await record(runtime, columns, first)
    queue = queue_of(runtime, columns, lease_s=300)
    unknown = await claim_of(queue, first.participant_id)
    assert (unknown.read_along, unknown.participant) == (True, None)  # no row yet

    card = ParticipantRecord(
        participant_id=first.participant_id,
        proposal_id=first.payload.proposal_id,
        nik=resident.nik,
        status="active",
        no_kartu="0001234567890",
    )
    async with queue.recording(unknown, "activated") as uow:
        assert uow is not None
        await SqlParticipants(uow.conn, columns).save(card)
    await record(runtime, columns, second)
    known = await claim_of(queue, second.participant_id)
    assert known.participant is not None
    assert (known.participant.status, known.participant.no_kartu) == ("active", "0001234567890")
    assert known.participant.nik == resident.nik  # opened under the resident's key


class NoReading(SqlIntentQueue):
    """A queue whose call may not read anything of its own."""

    def reading(self, intent: Intent) -> Any:
        raise AssertionError("the call read what the claim should have brought")


async def verified_and_recorded(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> tuple[Any, Any, Dependencies]:
    """A new resident, their verified event with its *tambah* recorded, and the worker's
    dependencies (their BPJS client never called)."""
    resident = next(RESIDENTS)
    cause = verified(resident)
    await escrow()
    await record(runtime, columns, cause)
    deps = dependencies(GatewaySettings(), BpjsClient("http://127.0.0.1:9", "1", "s", "k"))
    return resident, cause, deps


async def test_a_claimed_tambah_brings_its_resident_opened_and_the_call_reads_nothing(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    resident, cause, deps = await verified_and_recorded(runtime, columns)
    queue = queue_of(runtime, columns, lease_s=300, opener=deps.sealer.open, kind=NoReading)
    intent = await claim_of(queue, cause.participant_id)

    assert intent.opened
    opened = await personal_of(intent, deps, queue)
    assert (opened.nik, opened.name, opened.birth_date) == (
        resident.nik,
        resident.name,
        resident.birth_date,
    )
    assert await participant_of(intent, deps, queue) is None  # read along: no row yet
    assert resident.nik not in repr(intent)


async def test_a_claim_whose_resident_cannot_be_opened_still_hands_out_the_round(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    _, erased, deps = await verified_and_recorded(runtime, columns)
    _, garbled, _ = await verified_and_recorded(runtime, columns)
    _, fine, _ = await verified_and_recorded(runtime, columns)

    async def opener(conn: Any, cause: Any) -> Any:
        if cause.participant_id == erased.participant_id:
            raise PersonalDataErased(erased.participant_id)
        if cause.participant_id == garbled.participant_id:
            raise PersonalDataUnreadable("TAMPERED")
        return await deps.sealer.open(conn, cause)

    queue = queue_of(runtime, columns, lease_s=300, opener=opener)
    claimed = {i.participant_id: i for i in await queue.claim(["tambah"], 100, busy=())}

    # erased: opened, nothing in it (the call is skipped, ERASED)
    assert (claimed[erased.participant_id].opened, claimed[erased.participant_id].personal) == (
        True,
        None,
    )
    # unreadable: left to the call, which opens it again and fails alone
    assert claimed[garbled.participant_id].opened is False
    assert claimed[fine.participant_id].opened is True
    assert claimed[fine.participant_id].personal is not None


async def test_without_an_opener_the_call_opens_its_resident_itself(
    runtime: ServiceRuntime, columns: GatewayColumns
) -> None:
    resident, cause, deps = await verified_and_recorded(runtime, columns)
    queue = queue_of(runtime, columns, lease_s=300)
    intent = await claim_of(queue, cause.participant_id)

    assert (intent.opened, intent.personal) == (False, None)
    assert (await personal_of(intent, deps, queue)).nik == resident.nik


async def test_a_claim_walks_the_due_intents_in_order_and_stops_at_its_limit(
    runtime: ServiceRuntime,
) -> None:
    """Thousands of intents recorded since the table's statistics were taken: the claim
    still reads the due index in order (no sort of every open intent), so a claim costs
    what its limit asks, not what the backlog holds."""
    async with runtime.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(
                "INSERT INTO bpjs_intents (participant_id, cause_event_id, operation, client_ref)"
                " SELECT 'backlog-' || n, gen_random_uuid(), 'tambah', gen_random_uuid()"
                " FROM generate_series(1, 3000) AS n"
            )
            await conn.execute(_IN_DUE_ORDER)
            plan = "\n".join(
                r[0] for r in await conn.fetch("EXPLAIN " + _CLAIM, ["tambah"], 8, [], 60.0)
            )
        finally:
            await tx.rollback()
    assert "Index Scan using bpjs_intents_due" in plan
    assert "Sort" not in plan
    assert "Bitmap" not in plan
