"""Refill batches: a snapshot's candidates are proposed only once a second Dinsos officer
approves the batch one officer asked for (maker-checker, ``app.refills``; ISSUE 11 item 4).

siti.dinsos (``client``) asks for batches, yusuf.dinsos (``approver``) decides them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from integration.enrollment.residents import resident
from integration.reconciliation.conftest import BOOTSTRAP
from integration.reconciliation.helpers import SNAPSHOT_COLUMNS, approve, csv_of, events
from jkn_contracts import (
    ParticipantRegistered,
    ProposalSource,
    RefillBatchApproved,
    RefillBatchRejected,
)
from support.polling import eventually

pytestmark = pytest.mark.infra

RESIDENTS = range(7000, 7060)  # nobody of them proposed yet: every one is a candidate


@pytest.fixture(scope="module")
async def run_id(client: httpx.AsyncClient, approver: httpx.AsyncClient) -> str:
    """An approved snapshot of residents in deciles 1 to 4 only."""
    rows = [{**resident(n), "welfare_decile": str(n % 4 + 1)} for n in RESIDENTS]
    answer = await client.post(
        "/reconciliation/snapshots", files={"file": ("dtks.csv", csv_of(SNAPSHOT_COLUMNS, rows))}
    )
    assert answer.status_code == 201, answer.text
    await approve(approver, answer.json()["run_id"])
    run: str = answer.json()["run_id"]
    return run


async def ask(client: httpx.AsyncClient, run_id: str, limit: int) -> dict[str, Any]:
    answer = await client.post(
        f"/reconciliation/runs/{run_id}/candidates/propose", params={"limit": limit}
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def members(batch: dict[str, Any]) -> list[str]:
    return [c["participant_id"] for c in batch["preview"]["candidates"]]


async def candidate_status(client: httpx.AsyncClient, run_id: str) -> dict[str, str]:
    listed = await client.get(f"/reconciliation/runs/{run_id}/candidates", params={"limit": 10_000})
    return {c["participant_id"]: c["status"] for c in listed.json()["candidates"]}


async def registered(topic_prefix: str, pids: set[str], expect: int) -> list[Any]:
    every = await events(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect)
    return [e for e in every if isinstance(e, ParticipantRegistered) and e.participant_id in pids]


async def test_asking_for_a_batch_proposes_nobody_and_shows_its_candidates(
    client: httpx.AsyncClient, run_id: str
) -> None:
    before = await candidate_status(client, run_id)
    batch = await ask(client, run_id, 4)
    assert batch["status"] == "pending"
    assert batch["preview"]["residents"] == len(members(batch)) == 4
    assert sum(batch["preview"]["by_decile"].values()) == 4
    deciles = [c["welfare_decile"] for c in batch["preview"]["candidates"]]
    assert deciles == sorted(deciles)  # the best first: lowest decile
    assert all(set(c) >= {"participant_id", "kelurahan"} for c in batch["preview"]["candidates"])
    assert "nik" not in str(batch)
    assert "name" not in str(batch["preview"]["candidates"])
    assert await candidate_status(client, run_id) == before  # nobody proposed
    shown = await client.get(batch["status_url"])
    assert shown.status_code == 200, shown.text
    assert shown.json()["preview"] == batch["preview"]
    assert shown.json()["requested_by"]["id"]


async def test_the_maker_cannot_approve_their_own_batch(
    client: httpx.AsyncClient, run_id: str
) -> None:
    batch = await ask(client, run_id, 2)
    own = await client.post(batch["approve_url"])
    assert own.status_code == 403, own.text
    assert own.json()["reason"] == "SAME_PERSON"
    assert (await client.get(batch["status_url"])).json()["status"] == "pending"
    status = await candidate_status(client, run_id)
    assert {status[p] for p in members(batch)} == {"candidate"}


async def test_a_rejected_batch_proposes_nobody_and_frees_its_candidates(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, run_id: str, topic_prefix: str
) -> None:
    batch = await ask(client, run_id, 3)
    rejected = await approver.post(batch["reject_url"])
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["proposed"]) == ("rejected", [])
    late = await approver.post(batch["approve_url"])
    assert late.status_code == 409, late.text
    assert late.json()["errors"][0]["rule"] == "ALREADY_DECIDED"
    assert late.json()["status"] == "rejected"
    status = await candidate_status(client, run_id)
    assert {status[p] for p in members(batch)} == {"candidate"}

    async def decision() -> list[RefillBatchRejected]:
        every = await events(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants")
        return [
            e
            for e in every
            if isinstance(e, RefillBatchRejected) and str(e.payload.batch_id) == batch["batch_id"]
        ]

    (stated,) = await eventually(decision, timeout=30)
    assert (stated.payload.residents, stated.payload.proposed) == (3, 0)
    assert stated.actor is not None
    assert stated.payload.requested_by is not None
    assert stated.actor.id != stated.payload.requested_by.id
    assert await registered(topic_prefix, set(members(batch)), 1) == []
    # its candidates may be asked for again
    again = await ask(client, run_id, 60)
    assert set(members(batch)) <= set(members(again))
    assert (await approver.post(again["reject_url"])).status_code == 200


async def test_an_approved_batch_proposes_exactly_its_residents_once(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, run_id: str, topic_prefix: str
) -> None:
    batch = await ask(client, run_id, 3)
    first, second = await asyncio.gather(
        approver.post(batch["approve_url"]), approver.post(batch["approve_url"])
    )
    answers = sorted([first, second], key=lambda a: a.status_code)
    assert [a.status_code for a in answers] == [200, 409], [a.text for a in answers]
    made = answers[0].json()["proposed"]
    assert [m["participant_id"] for m in made] == members(batch)
    again = await approver.post(batch["approve_url"])
    assert again.status_code == 409
    assert again.json()["errors"][0]["rule"] == "ALREADY_DECIDED"

    shown = (await client.get(batch["status_url"])).json()
    assert shown["status"] == "approved"
    assert {c["status"] for c in shown["preview"]["candidates"]} == {"proposed"}
    assert shown["decided_by"]["id"] != shown["requested_by"]["id"]

    async def decision() -> list[RefillBatchApproved]:
        every = await events(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants")
        return [
            e
            for e in every
            if isinstance(e, RefillBatchApproved) and str(e.payload.batch_id) == batch["batch_id"]
        ]

    (approval,) = await eventually(decision, timeout=30)
    assert approval.actor is not None
    assert approval.actor.id == shown["decided_by"]["id"]
    assert approval.payload.requested_by is not None
    assert approval.payload.requested_by.id == shown["requested_by"]["id"]
    assert (approval.payload.residents, approval.payload.proposed) == (3, 3)

    pids = set(members(batch))

    async def all_three() -> list[Any]:
        found = await registered(topic_prefix, pids, 1)
        return found if len({e.participant_id for e in found}) == 3 else []

    proposals = await eventually(all_three, timeout=30)
    assert sorted(e.participant_id for e in proposals) == sorted(pids)  # each once
    for event in proposals:
        assert event.payload.source is ProposalSource.REGISTRY_REFILL
        assert event.causation_id == approval.event_id
        assert event.actor == approval.payload.requested_by  # the maker proposes


async def test_a_second_batch_leaves_out_the_residents_of_a_pending_one(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, run_id: str
) -> None:
    pending = await ask(client, run_id, 4)
    second = await ask(client, run_id, 4)
    assert not set(members(pending)) & set(members(second))
    both = await asyncio.gather(ask(client, run_id, 3), ask(client, run_id, 3))  # at once
    assert not set(members(both[0])) & set(members(both[1]))
    assert not (set(members(both[0])) | set(members(both[1]))) & set(members(pending))
    approved = await approver.post(second["approve_url"])
    assert approved.status_code == 200, approved.text
    assert not {m["participant_id"] for m in approved.json()["proposed"]} & set(members(pending))
    status = await candidate_status(client, run_id)
    assert {status[p] for p in members(pending)} == {"candidate"}
    for batch in (pending, *both):
        assert (await approver.post(batch["reject_url"])).status_code == 200


async def test_refills_are_refused_beyond_the_batch_limit_and_when_nobody_is_left(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, run_id: str
) -> None:
    too_many = await client.post(
        f"/reconciliation/runs/{run_id}/candidates/propose", params={"limit": 201}
    )
    assert too_many.status_code == 422
    assert too_many.json()["rule"] == "REFILL_BATCH_TOO_LARGE"
    rest = await ask(client, run_id, 200)
    nobody = await client.post(
        f"/reconciliation/runs/{run_id}/candidates/propose", params={"limit": 1}
    )
    assert nobody.status_code == 409, nobody.text
    assert nobody.json()["errors"][0]["rule"] == "NO_CANDIDATES"
    assert (await approver.post(rest["reject_url"])).status_code == 200
    unknown = await approver.post(
        "/reconciliation/refills/00000000-0000-4000-8000-000000000000/approve"
    )
    assert unknown.status_code == 404
