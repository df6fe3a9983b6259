"""Dead letters for operators: listed and shown without personal data, replayed by id,
range or reason through the consumer (safe to repeat: the inbox keys it by event id), and
back on the dead-letter topic with their history when a replay fails again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from integration.bus.harness import participant, settings, step_event
from jkn_bus import create_app
from jkn_bus.service import ServiceRuntime
from jkn_bus.unit_of_work import UnitOfWork
from jkn_contracts import DeactivationRequested
from support.dev_issuer import Callers, demo_callers
from support.kafka import produce, read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"
OPERATOR = "ops.kominfo"  # city-operator

# evidence refs the handler refuses until an operator fixed what made them fail
BROKEN: set[str] = set()


async def fragile(uow: UnitOfWork, event: DeactivationRequested) -> None:
    """Records the step, unless its evidence is (still) broken."""
    if event.payload.evidence_ref in BROKEN:
        raise LookupError("the handler cannot apply this yet")
    await uow.conn.execute(
        "INSERT INTO test_applied (event_id, participant, step) VALUES ($1, $2, 1)",
        event.event_id,
        event.participant_id,
    )


@pytest.fixture
async def running(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str
) -> AsyncIterator[ServiceRuntime]:
    runtime = ServiceRuntime(
        settings(service_url, bootstrap, topic_prefix).model_copy(
            update={"consumer_max_attempts": 1}
        ),
        consumes=(TOPIC,),
        handlers={DeactivationRequested: fragile},
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


@pytest.fixture
async def operator(running: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    callers: Callers = await demo_callers(actor_key=running.settings.jkn_pseudonym_key)
    app = callers.protect(
        create_app(running, title="bus test", description="dead letters"), "verification"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://svc", auth=callers.auth(OPERATOR)
    ) as client:
        client.callers = callers  # type: ignore[attr-defined]
        yield client


async def _dead_lettered(
    pool: asyncpg.Pool, bootstrap: str, topic_prefix: str, evidence: str, n: int
) -> DeactivationRequested:
    BROKEN.add(evidence)
    event = step_event(participant(n), 1).model_copy(
        update={
            "payload": step_event(participant(n), 1).payload.model_copy(
                update={"evidence_ref": evidence}
            )
        }
    )
    await produce(
        bootstrap,
        topic_prefix + TOPIC,
        [(event.participant_id.encode(), event.model_dump_json().encode())],
    )
    await eventually(
        lambda: pool.fetchval(
            "SELECT id FROM dead_letters WHERE participant_id = $1", event.participant_id
        ),
        timeout=60,
    )
    return event


async def _applied(pool: asyncpg.Pool, event: DeactivationRequested) -> int:
    return int(
        await pool.fetchval("SELECT count(*) FROM test_applied WHERE event_id = $1", event.event_id)
    )


async def test_an_operator_lists_and_shows_dead_letters_without_their_content(
    operator: httpx.AsyncClient, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    event = await _dead_lettered(pool, bootstrap, topic_prefix, "bukti-rusak-1", 31)

    listed = (await operator.get("/dead-letters", params={"reason": "HANDLER_FAILED"})).json()
    [letter] = [d for d in listed["dead_letters"] if d["participant_id"] == event.participant_id]
    assert letter["reason"] == "HANDLER_FAILED: LookupError"
    assert letter["event_type"] == "DeactivationRequested"
    assert (letter["topic"], letter["replays"]) == (topic_prefix + TOPIC, 0)
    assert letter["dlq_offset"] is not None
    assert len(letter["history"]) == 1
    shown = await operator.get(f"/dead-letters/{letter['id']}")
    assert shown.json() == letter
    assert "bukti-rusak" not in shown.text  # the record's content stays on the topic
    missing = await operator.get("/dead-letters/999999999")
    assert (missing.status_code, missing.json()["errors"][0]["rule"]) == (404, "NOT_FOUND")


async def test_a_fixed_dead_letter_is_applied_once_however_often_it_is_replayed(
    operator: httpx.AsyncClient, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    event = await _dead_lettered(pool, bootstrap, topic_prefix, "bukti-rusak-2", 32)
    dead_id = await pool.fetchval(
        "SELECT id FROM dead_letters WHERE participant_id = $1", event.participant_id
    )
    BROKEN.discard("bukti-rusak-2")  # the operator fixed the cause

    first = await operator.post("/dead-letters/replay", json={"ids": [dead_id]})
    again = await operator.post(
        "/dead-letters/replay", json={"first_id": dead_id, "last_id": dead_id}
    )

    assert first.json() == {"replayed": {str(dead_id): "applied"}}
    assert again.json() == {"replayed": {str(dead_id): "duplicate"}}
    assert await _applied(pool, event) == 1
    row = await pool.fetchrow(
        "SELECT replays, replay_outcome FROM dead_letters WHERE id = $1", dead_id
    )
    assert (row["replays"], row["replay_outcome"]) == (2, "duplicate")


async def test_a_replay_that_fails_again_returns_to_the_dead_letter_topic_with_its_history(
    operator: httpx.AsyncClient, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    event = await _dead_lettered(pool, bootstrap, topic_prefix, "bukti-rusak-3", 33)
    dead_id = await pool.fetchval(
        "SELECT id FROM dead_letters WHERE participant_id = $1", event.participant_id
    )

    answer = await operator.post("/dead-letters/replay", json={"ids": [dead_id]})

    assert answer.json() == {"replayed": {str(dead_id): "dead_lettered"}}
    shown = (await operator.get(f"/dead-letters/{dead_id}")).json()
    assert shown["replays"] == 1
    assert [h["reason"] for h in shown["history"]] == ["HANDLER_FAILED: LookupError"] * 2
    assert shown["history"][0]["dlq_offset"] != shown["history"][1]["dlq_offset"]
    dlq = await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=2)
    assert len([r for r in dlq if r.key == event.participant_id.encode()]) == 2
    assert await _applied(pool, event) == 0


async def test_a_replay_must_name_what_it_replays_and_only_operators_may_ask(
    operator: httpx.AsyncClient,
) -> None:
    everything = await operator.post("/dead-letters/replay", json={})
    callers: Callers = operator.callers  # type: ignore[attr-defined]
    as_verifier = await operator.post(
        "/dead-letters/replay", json={"reason": "HANDLER"}, auth=callers.auth("rina.dinkes")
    )

    assert (everything.status_code, everything.json()["errors"][0]["rule"]) == (
        422,
        "SELECTION_EMPTY",
    )
    assert as_verifier.status_code == 403


async def test_while_a_dead_letter_cannot_be_noted_its_partition_waits_and_skips_nothing(
    running: ServiceRuntime, pool: asyncpg.Pool, bootstrap: str, topic_prefix: str
) -> None:
    # the dead_letters table refuses rows (as a database failing mid-batch would)
    await pool.execute(
        "CREATE OR REPLACE FUNCTION test_refuse_dead_letters() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;"
        " CREATE TRIGGER test_refuse BEFORE INSERT ON dead_letters"
        " FOR EACH ROW EXECUTE FUNCTION test_refuse_dead_letters()"
    )
    try:
        who = participant(34)
        poison = step_event(who, 1).model_copy(
            update={
                "payload": step_event(who, 1).payload.model_copy(
                    update={"evidence_ref": "bukti-rusak-4"}
                )
            }
        )
        BROKEN.add("bukti-rusak-4")
        after = step_event(who, 2)  # same participant: same partition, behind the poison
        await produce(
            bootstrap,
            topic_prefix + TOPIC,
            [(who.encode(), e.model_dump_json().encode()) for e in (poison, after)],
        )
        await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=1)
        # the poison is on the dead-letter topic but not noted: the record behind it waits
        assert await _applied(pool, after) == 0
        assert await pool.fetchval("SELECT count(*) FROM dead_letters") == 0
    finally:
        await pool.execute("DROP TRIGGER IF EXISTS test_refuse ON dead_letters")

    await eventually(lambda: _applied(pool, after), timeout=60)
    noted = await pool.fetch("SELECT participant_id FROM dead_letters")
    assert [r["participant_id"] for r in noted] == [who]
    dlq = await read_topic(bootstrap, f"{topic_prefix}jkn.dlq.verification", expect=1)
    assert len([r for r in dlq if r.key == who.encode()]) == 1  # sent once, noted once retried


async def test_a_replay_that_selects_nothing_answers_an_empty_outcome_not_a_500(
    operator: httpx.AsyncClient,
) -> None:
    # found by fuzzing: the replay's reader, started and stopped at once, broke the answer
    for selection in ({"first_id": 2**62}, {"last_id": 1}, {"reason": "TIDAK_ADA"}):
        answer = await operator.post("/dead-letters/replay", json=selection)

        assert (answer.status_code, answer.json()) == (200, {"replayed": {}})


async def test_a_reason_holding_a_nul_is_a_422_naming_it(operator: httpx.AsyncClient) -> None:
    listed = await operator.get("/dead-letters", params={"reason": "HANDLER\x00"})
    replayed = await operator.post("/dead-letters/replay", json={"reason": "HANDLER\x00"})

    for answer in (listed, replayed):
        assert answer.status_code == 422
        assert [e["field"] for e in answer.json()["errors"]] == ["reason"]
