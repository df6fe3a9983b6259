"""DTKS/DTSEN snapshots: a few thousand rows diffed against the participants."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest
from enrollment.adapters.snapshots import candidates_partition
from integration.enrollment.residents import resident
from integration.reconciliation.conftest import BOOTSTRAP
from integration.reconciliation.helpers import (
    SNAPSHOT_COLUMNS,
    approve,
    csv_of,
    enrol,
    events,
    requests,
)
from jkn_bus import ServiceRuntime
from jkn_contracts import ParticipantRegistered, ProposalSource
from support.polling import eventually

pytestmark = pytest.mark.infra

ABSENT = [*range(150, 160), *range(175, 180), *range(185, 190), *range(195, 200)]
TOO_RICH = {**dict.fromkeys(range(100, 110), 8), **dict.fromkeys(range(160, 163), 5)}
OTHERS = range(200, 3100)


def decile_of(n: int) -> int:
    return TOO_RICH.get(n, 2 if n < 200 else n % 10 + 1)


def snapshot_rows() -> list[dict[str, Any]]:
    rows = [
        {**resident(n), "welfare_decile": str(decile_of(n))}
        for n in [*range(100, 200), *OTHERS]
        if n not in ABSENT
    ]
    # Line 102: a broken decile, but it shows participant 150 is in the registry after all.
    rows[100] = {**resident(150), "welfare_decile": "11"}
    rows.insert(500, {**resident(5000), "nik": "123"})
    rows.insert(501, {**resident(5001), "sex": "X"})
    return rows


@pytest.fixture(scope="module")
async def participants(runtime: ServiceRuntime) -> dict[int, str]:
    pids = await enrol(runtime, range(100, 160), "activated")
    pids |= await enrol(runtime, range(160, 180), "verified")
    pids |= await enrol(runtime, range(180, 190), "registered")
    pids |= await enrol(runtime, range(190, 200), "waitlisted")
    # proposals that are over: these residents may be proposed again (docs/domain.md#rule-6)
    pids |= await enrol(runtime, range(200, 205), "rejected")
    pids |= await enrol(runtime, range(205, 210), "deactivated")
    return pids


@pytest.fixture(scope="module")
async def first_upload(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, participants: dict[int, str]
) -> dict[str, Any]:
    """The snapshot's preview, then approved by the second officer (``approved``)."""
    answer = await client.post(
        "/reconciliation/snapshots",
        files={"file": ("dtks.csv", csv_of(SNAPSHOT_COLUMNS, snapshot_rows()))},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["requests_emitted"] == 0
    return {**answer.json(), "approved": await approve(approver, answer.json()["run_id"])}


async def test_absent_and_too_rich_participants_get_deactivation_requests(
    first_upload: dict[str, Any], participants: dict[int, str], topic_prefix: str
) -> None:
    # Waiting residents too (Dinkes withdraws them); 150's broken row proves its presence.
    absent = {participants[n] for n in ABSENT if n != 150}
    too_rich = {participants[n] for n in TOO_RICH}
    assert first_upload["preview"]["deactivations"] == len(absent) + len(too_rich)
    assert set(first_upload["preview"]["participants"]) == absent | too_rich
    assert first_upload["approved"]["requests_emitted"] == len(absent) + len(too_rich)

    async def all_arrived() -> list[Any]:
        found = [e for e in await requests(BOOTSTRAP, topic_prefix) if e.payload.run_id]
        return found if len(found) >= len(absent) + len(too_rich) else []

    emitted = await eventually(all_arrived, timeout=30)
    reasons = {e.participant_id: e.payload.reason.value for e in emitted}
    assert len(emitted) == len(reasons)
    assert reasons == {
        **dict.fromkeys(absent, "tidak_ditemukan"),
        **dict.fromkeys(too_rich, "mampu"),
    }
    assert all(e.correlation_id == e.payload.run_id for e in emitted)
    assert all(e.payload.reported_by == "dtks-snapshot" for e in emitted)


async def test_invalid_snapshot_lines_are_counted_and_reported_by_line(
    client: httpx.AsyncClient, first_upload: dict[str, Any]
) -> None:
    assert first_upload["rows"] == {
        "read": len(snapshot_rows()),
        "valid": len(snapshot_rows()) - 3,
        "invalid": 3,
    }
    report = (await client.get(f"/reconciliation/runs/{first_upload['run_id']}/errors")).json()
    assert {(e["line"], e["field"], e["rule"]) for e in report["errors"]} == {
        (102, "welfare_decile", "DECILE_VALUE"),
        (502, "nik", "NIK_FORMAT"),
        (503, "sex", "SEX_VALUE"),
    }


async def test_eligible_residents_not_proposed_become_candidates_best_first(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    first_upload: dict[str, Any],
    topic_prefix: str,
) -> None:
    run = first_upload["run_id"]
    expected = Counter(decile_of(n) for n in OTHERS if decile_of(n) <= 4)
    listed = (
        await client.get(f"/reconciliation/runs/{run}/candidates", params={"limit": 5})
    ).json()
    assert listed["counts"]["total"] == sum(expected.values())
    assert listed["counts"]["by_decile"] == {str(d): c for d, c in sorted(expected.items())}
    assert [c["welfare_decile"] for c in listed["candidates"]] == [1] * 5

    asked = await client.post(f"/reconciliation/runs/{run}/candidates/propose", params={"limit": 3})
    assert asked.status_code == 202, asked.text  # a refill batch: a second officer approves
    proposed = await approver.post(asked.json()["approve_url"])

    assert proposed.status_code == 200, proposed.text
    made = proposed.json()["proposed"]
    assert [m["participant_id"] for m in made] == [
        c["participant_id"] for c in listed["candidates"][:3]
    ]

    async def registered() -> list[ParticipantRegistered]:
        every = await events(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants")
        ids = {m["participant_id"] for m in made}
        found = [
            e for e in every if isinstance(e, ParticipantRegistered) and e.participant_id in ids
        ]
        return found if len(found) == 3 else []

    for event in await eventually(registered, timeout=30):
        assert event.payload.source is ProposalSource.REGISTRY_REFILL
        assert event.payload.welfare_decile == 1
    again = (await client.get(f"/reconciliation/runs/{run}/candidates", params={"limit": 5})).json()
    assert again["counts"]["proposed"] == 3
    assert [c["status"] for c in again["candidates"]] == ["proposed"] * 3 + ["candidate"] * 2


async def test_residents_whose_earlier_proposal_is_over_are_candidates_again(
    client: httpx.AsyncClient, first_upload: dict[str, Any], participants: dict[int, str]
) -> None:
    listed = (
        await client.get(
            f"/reconciliation/runs/{first_upload['run_id']}/candidates", params={"limit": 10_000}
        )
    ).json()
    candidates = {c["participant_id"] for c in listed["candidates"]}
    over = {participants[n] for n in range(200, 210) if decile_of(n) <= 4}
    still_open = {participants[n] for n in range(100, 200) if decile_of(n) <= 4}

    assert over, "some residents with a closed proposal are eligible"
    assert over <= candidates
    assert not still_open & candidates


async def test_the_same_snapshot_again_changes_nothing_and_says_so(
    client: httpx.AsyncClient, first_upload: dict[str, Any], topic_prefix: str
) -> None:
    before = len(await requests(BOOTSTRAP, topic_prefix))

    again = await client.post(
        "/reconciliation/snapshots",
        content=csv_of(SNAPSHOT_COLUMNS, snapshot_rows()),
        headers={"content-type": "text/csv"},
    )

    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("run_id", "already_applied", "status", "report_url")} == {
        "run_id": first_upload["run_id"],
        "already_applied": True,
        "status": "completed",
        "report_url": f"/reconciliation/runs/{first_upload['run_id']}",
    }
    await asyncio.sleep(2)
    assert len(await requests(BOOTSTRAP, topic_prefix)) == before
    report = (await client.get(f"/reconciliation/runs/{first_upload['run_id']}")).json()
    assert report["kind"] == "snapshot"
    absent = len([n for n in ABSENT if n != 150])  # 24, waiting residents included
    assert report["requests"]["by_reason"] == {"tidak_ditemukan": absent, "mampu": len(TOO_RICH)}


async def test_a_snapshot_with_a_wrong_header_is_refused_with_422(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/reconciliation/snapshots",
        content=b"nik,nama,desil\n1,2,3\n",
        headers={"content-type": "text/csv"},
    )

    assert answer.status_code == 422
    assert ("welfare_decile", "MISSING_COLUMN") in {
        (e["field"], e["rule"]) for e in answer.json()["errors"]
    }


async def test_a_runs_candidates_are_a_partition_of_their_own_bound_to_their_run(
    first_upload: dict[str, Any], runtime: ServiceRuntime
) -> None:
    """keep_candidates fills a table of the run's own and attaches it (migration 0015): the
    partition holds the run's candidates only, with candidates' keys, indexes and foreign
    key to the run, and a candidate of another run cannot go into it."""
    run = uuid.UUID(first_upload["run_id"])
    partition = candidates_partition(run)
    async with runtime.pool.acquire() as conn:
        bound = await conn.fetchval(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c"
            " JOIN pg_inherits i ON i.inhrelid = c.oid"
            " WHERE c.relname = $1 AND i.inhparent = 'candidates'::regclass",
            partition,
        )
        assert bound == f"FOR VALUES IN ('{run}')"
        kept = await conn.fetchval(f"SELECT count(*) FROM {partition}")  # noqa: S608 - a UUID
        assert kept == await conn.fetchval("SELECT count(*) FROM candidates WHERE run_id = $1", run)
        assert kept == sum(1 for n in OTHERS if decile_of(n) <= 4)
        indexes = await conn.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE tablename = $1", partition
        )
        assert indexes == 3  # the primary key, the priority order, the clear-columns index
        constraints = {
            r["contype"]
            for r in await conn.fetch(
                "SELECT contype::text FROM pg_constraint WHERE conrelid = $1::regclass", partition
            )
        }
        assert {"p", "f"} <= constraints  # its own copy of the key and of the run's foreign key
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                f"INSERT INTO {partition} (run_id, participant_id, line, sex, kelurahan,"  # noqa: S608
                " welfare_decile) VALUES ($1, 'Pother', 2, 'L', '1571011001', 1)",
                uuid.uuid4(),
            )
