"""Acts with mass effect are previewed and need a second person (maker-checker).

A findings file or a snapshot is first a preview that sends nothing; another Dinsos officer
approves it (its uploader cannot: 403 SAME_PERSON) and only then are its deactivations
asked for, with both officers recorded; a rejected run sends nothing. A file with no rows,
cut mid-row, far shorter than the last snapshot or deactivating more than the allowed share
of participants is refused (422 ``rule``) and nothing is stored. Against the real Postgres
and Kafka, with the local Keycloak's tokens of siti.dinsos (uploads) and yusuf.dinsos
(approves). This module's app has the default limits (5 %, 0.8, 200).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from enrollment.app.run_limits import RunLimits
from fastapi import FastAPI
from integration.enrollment.residents import KELURAHAN, resident
from integration.reconciliation.conftest import APPROVER, BOOTSTRAP, UPLOADER
from integration.reconciliation.helpers import (
    FINDINGS_COLUMNS,
    SNAPSHOT_COLUMNS,
    csv_of,
    enrol,
    events,
)
from jkn_audit.bootstrap import build_app as build_audit_app
from jkn_audit.bootstrap import build_runtime as build_audit_runtime
from jkn_bus import BusSettings, ServiceRuntime
from jkn_contracts import (
    AnyEvent,
    DeactivationRequested,
    ReconciliationRunApproved,
    ReconciliationRunPreviewed,
    ReconciliationRunRejected,
    parse_event,
)
from jkn_devstack.tokens import DevTokenAuth
from support.dev_issuer import demo_callers
from support.kafka import read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

PARTICIPANTS = range(600, 700)  # 100 activated participants: 5 % is 5 of them
CSV = {"content-type": "text/csv"}


@pytest.fixture(scope="module", autouse=True)
async def city(app: FastAPI, runtime: ServiceRuntime) -> dict[int, str]:
    app.state.run_limits = RunLimits()  # the defaults, as in production
    return await enrol(runtime, PARTICIPANTS, "activated")


@pytest.fixture(scope="module")
async def actors(runtime: ServiceRuntime) -> dict[str, str]:
    callers = await demo_callers(actor_key=runtime.settings.jkn_pseudonym_key)
    return {name: await callers.actor(name) for name in (UPLOADER, APPROVER)}


@pytest.fixture(scope="module")
async def kelurahan_operator(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://enrollment",
        auth=DevTokenAuth("budi.kelurahan"),  # operator of KELURAHAN
    ) as c:
        yield c


def finding(n: int, reason: str = "meninggal") -> dict[str, Any]:
    return {
        "nik": resident(n)["nik"],
        "reason": reason,
        "evidence_ref": f"AKTA-{n}/2026",
        "officer": "Lurah Telanaipura",
        "kelurahan": KELURAHAN,
    }


def findings(*numbers: int) -> bytes:
    return csv_of(FINDINGS_COLUMNS, [finding(n) for n in numbers])


def snapshot(numbers: range | list[int]) -> bytes:
    return csv_of(SNAPSHOT_COLUMNS, [{**resident(n), "welfare_decile": "2"} for n in numbers])


async def facts(prefix: str, expect: int = 1) -> list[AnyEvent]:
    return await events(BOOTSTRAP, prefix + "jkn.dinsos.participants", expect)


async def settled(prefix: str) -> list[AnyEvent]:
    """Every fact on Dinsos's topic once the relay had time to publish what it holds."""
    await asyncio.sleep(2)
    records = await read_topic(
        BOOTSTRAP, prefix + "jkn.dinsos.participants", expect=1_000_000, timeout=3
    )
    return [parse_event(r.value) for r in records]


def of_run(every: list[AnyEvent], run_id: str) -> list[AnyEvent]:
    return [e for e in every if str(e.correlation_id) == run_id]


async def runs(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (await client.get("/reconciliation/runs")).json()["runs"]
    return listed


def refused(answer: httpx.Response, rule: str) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    body: dict[str, Any] = answer.json()
    assert body["rule"] == rule
    assert [(e["field"], e["rule"]) for e in body["errors"]] == [("file", rule)]
    return body


async def test_a_header_only_or_empty_file_is_refused_and_nothing_is_stored_or_sent(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    header_only = csv_of(SNAPSHOT_COLUMNS, [])
    refused(
        await client.post("/reconciliation/snapshots", content=header_only, headers=CSV), "NO_ROWS"
    )
    refused(
        await client.post(
            "/reconciliation/findings", content=csv_of(FINDINGS_COLUMNS, []), headers=CSV
        ),
        "NO_ROWS",
    )
    empty = await client.post("/reconciliation/snapshots", content=b"", headers=CSV)
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["rule"] == "REQUIRED"

    assert await runs(client) == []
    assert await settled(topic_prefix) == []


async def test_a_file_cut_mid_row_is_refused(client: httpx.AsyncClient) -> None:
    cut = findings(601, 602)[:-30]  # the upload stopped inside the last row
    body = refused(
        await client.post("/reconciliation/findings", content=cut, headers=CSV),
        "TRUNCATED_LAST_LINE",
    )
    assert body["line"] == 3
    cut_snapshot = snapshot(PARTICIPANTS)[:-25]
    refused(
        await client.post("/reconciliation/snapshots", content=cut_snapshot, headers=CSV),
        "TRUNCATED_LAST_LINE",
    )
    assert await runs(client) == []


async def test_a_findings_run_is_a_preview_the_uploader_cannot_approve_another_officer_does(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    city: dict[int, str],
    actors: dict[str, str],
    topic_prefix: str,
) -> None:
    content = findings(610, 611)  # 2 of 100 participants: within 5 %

    uploaded = await client.post("/reconciliation/findings", content=content, headers=CSV)

    assert uploaded.status_code == 201, uploaded.text
    body = uploaded.json()
    run_id = body["run_id"]
    assert (body["status"], body["requests_emitted"]) == ("preview", 0)
    preview = body["preview"]
    assert sorted(preview["participants"]) == sorted([city[610], city[611]])
    assert preview["by_reason"] == {"meninggal": 2}
    assert preview["by_kelurahan"] == {KELURAHAN: 2}
    assert (preview["deactivations"], preview["current_participants"]) == (2, 100)
    assert resident(610)["nik"] not in uploaded.text  # pseudonyms only
    assert body["approval"]["status"] == "pending"
    assert body["approval"]["uploaded_by"] == {"id": actors[UPLOADER], "agency": "dinsos"}
    report = (await client.get(f"/reconciliation/runs/{run_id}")).json()
    assert report["status"] == "preview"
    assert report["preview"] == preview

    # The upload is a fact of its own (the uploader's); nothing is asked of anyone yet.
    previewed = of_run(await facts(topic_prefix), run_id)
    assert [type(e) for e in previewed] == [ReconciliationRunPreviewed]
    assert previewed[0].actor is not None
    assert previewed[0].actor.id == actors[UPLOADER]
    assert previewed[0].payload.deactivations == 2  # type: ignore[union-attr]

    own = await client.post(f"/reconciliation/runs/{run_id}/approve")
    assert own.status_code == 403, own.text
    assert own.json()["reason"] == "SAME_PERSON"
    assert not [e for e in await settled(topic_prefix) if isinstance(e, DeactivationRequested)]

    approved = await approver.post(f"/reconciliation/runs/{run_id}/approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["requests_emitted"] == 2

    async def applied() -> list[AnyEvent]:
        found = of_run(await facts(topic_prefix, expect=4), run_id)
        return found if len(found) >= 4 else []

    every = await eventually(applied, timeout=30)
    approval = next(e for e in every if isinstance(e, ReconciliationRunApproved))
    asked = [e for e in every if isinstance(e, DeactivationRequested)]
    assert approval.actor.id == actors[APPROVER]
    assert approval.payload.uploaded_by is not None
    assert approval.payload.uploaded_by.id == actors[UPLOADER]
    assert sorted(e.participant_id for e in asked) == sorted([city[610], city[611]])
    for event in asked:
        assert event.actor is not None
        assert event.actor.id == actors[APPROVER]
        assert event.causation_id == approval.event_id
    decided = (await client.get(f"/reconciliation/runs/{run_id}")).json()
    assert decided["status"] == "completed"
    assert decided["approval"]["status"] == "approved"
    assert decided["approval"]["decided_by"] == {"id": actors[APPROVER], "agency": "dinsos"}

    twice = await approver.post(f"/reconciliation/runs/{run_id}/approve")
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["rule"] == "ALREADY_DECIDED"


async def test_the_same_file_uploaded_again_answers_the_same_run(
    client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    content = findings(650)
    first = await client.post("/reconciliation/findings", content=content, headers=CSV)
    assert first.status_code == 201, first.text
    run_id = first.json()["run_id"]

    again = await client.post("/reconciliation/findings", content=content, headers=CSV)

    assert again.status_code == 200, again.text
    assert (again.json()["run_id"], again.json()["status"]) == (run_id, "preview")
    assert again.json()["already_applied"] is True
    assert again.json()["preview"] == first.json()["preview"]
    assert [r["run_id"] for r in await runs(client)].count(run_id) == 1
    await approver.post(f"/reconciliation/runs/{run_id}/approve")
    applied = await client.post("/reconciliation/findings", content=content, headers=CSV)
    assert (applied.json()["run_id"], applied.json()["status"]) == (run_id, "completed")


async def test_a_rejected_run_sends_nothing_and_blocks_no_later_run(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    city: dict[int, str],
    actors: dict[str, str],
    topic_prefix: str,
) -> None:
    run_id = (
        await client.post("/reconciliation/findings", content=findings(620), headers=CSV)
    ).json()["run_id"]

    rejected = await approver.post(f"/reconciliation/runs/{run_id}/reject")

    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert (await approver.post(f"/reconciliation/runs/{run_id}/approve")).status_code == 409

    async def stated() -> list[AnyEvent]:
        found = of_run(await facts(topic_prefix), run_id)
        return found if len(found) >= 2 else []

    await eventually(stated, timeout=30)
    every = of_run(await settled(topic_prefix), run_id)
    assert [type(e) for e in every] == [ReconciliationRunPreviewed, ReconciliationRunRejected]
    assert every[1].actor is not None
    assert every[1].actor.id == actors[APPROVER]
    report = (await client.get(f"/reconciliation/runs/{run_id}")).json()
    assert (report["status"], report["approval"]["status"]) == ("rejected", "rejected")

    # The same resident in a corrected file: a new run, not held back by the rejected one.
    corrected = await client.post(
        "/reconciliation/findings",
        content=csv_of(FINDINGS_COLUMNS, [finding(620, "pindah")]),
        headers=CSV,
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["preview"]["participants"] == [city[620]]
    await approver.post(f"/reconciliation/runs/{corrected.json()['run_id']}/reject")


async def test_a_run_over_the_share_of_participants_is_refused_whole(
    client: httpx.AsyncClient, topic_prefix: str
) -> None:
    before = await runs(client)
    content = findings(*range(630, 636))  # 6 of 100: over 5 %

    body = refused(
        await client.post("/reconciliation/findings", content=content, headers=CSV),
        "DEACTIVATION_SHARE_EXCEEDED",
    )

    assert (body["deactivations"], body["max_share"]) == (6, 0.05)
    assert body["participants"] >= 100
    assert await runs(client) == before  # nothing stored: the same file is refused again
    again = await client.post("/reconciliation/findings", content=content, headers=CSV)
    refused(again, "DEACTIVATION_SHARE_EXCEEDED")


async def test_snapshots_truncated_against_the_last_approved_one_are_refused(
    client: httpx.AsyncClient, approver: httpx.AsyncClient, city: dict[int, str]
) -> None:
    everyone = [n for n in PARTICIPANTS if n not in (610, 611)]  # those two were asked to go
    full = await client.post("/reconciliation/snapshots", content=snapshot(everyone), headers=CSV)
    assert full.status_code == 201, full.text
    assert full.json()["preview"]["deactivations"] == 0
    # Refills come from an approved snapshot only, and in batches.
    propose = f"/reconciliation/runs/{full.json()['run_id']}/candidates/propose"
    early = await client.post(propose, params={"limit": 1})
    assert early.status_code == 409
    assert early.json()["errors"][0]["rule"] == "RUN_NOT_APPROVED"
    assert (await approver.post(f"/reconciliation/runs/{full.json()['run_id']}/approve")).is_success
    body = refused(await client.post(propose, params={"limit": 201}), "REFILL_BATCH_TOO_LARGE")
    assert body["max_refill_batch"] == 200

    # Half of it: far fewer rows than the last approved snapshot.
    half = await client.post(
        "/reconciliation/snapshots", content=snapshot(everyone[:49]), headers=CSV
    )
    body = refused(half, "TOO_FEW_ROWS")
    assert (body["rows"], body["previous_rows"]) == (49, 98)

    # 85 of 98 rows passes the row ratio, but would deactivate 13 participants: over 5 %.
    short = await client.post(
        "/reconciliation/snapshots", content=snapshot(everyone[:85]), headers=CSV
    )
    refused(short, "DEACTIVATION_SHARE_EXCEEDED")


async def test_a_kelurahan_operators_findings_are_a_preview_a_dinsos_officer_approves(
    kelurahan_operator: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    city: dict[int, str],
    topic_prefix: str,
) -> None:
    uploaded = await kelurahan_operator.post(
        "/reconciliation/findings", content=findings(640), headers=CSV
    )
    assert uploaded.status_code == 201, uploaded.text
    run_id = uploaded.json()["run_id"]
    assert uploaded.json()["status"] == "preview"
    # The operator decides nothing (policy: Dinsos officers only).
    assert (
        await kelurahan_operator.post(f"/reconciliation/runs/{run_id}/approve")
    ).status_code == 403

    approved = await approver.post(f"/reconciliation/runs/{run_id}/approve")

    assert approved.status_code == 200, approved.text

    async def asked() -> list[AnyEvent]:
        return [
            e
            for e in of_run(await facts(topic_prefix), run_id)
            if isinstance(e, DeactivationRequested)
        ]

    assert [e.participant_id for e in await eventually(asked, timeout=30)] == [city[640]]


@pytest.fixture(scope="module")
async def auditor(database: dict[str, str], topic_prefix: str) -> AsyncIterator[httpx.AsyncClient]:
    """The audit trail consuming this module's topics, read by an auditor."""
    audit = build_audit_runtime(
        BusSettings(
            service="audit",
            database_url=database["audit"],
            kafka_bootstrap_servers=BOOTSTRAP,
            jkn_topic_prefix=topic_prefix,
        )
    )
    await audit.start()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(build_audit_app(audit)),
            base_url="http://audit",
            auth=DevTokenAuth("hana.auditor"),
        ) as client:
            yield client
    finally:
        await audit.stop()


async def test_the_audit_trail_holds_the_upload_and_the_approval_with_their_actors(
    auditor: httpx.AsyncClient, actors: dict[str, str]
) -> None:
    async def acts_of(name: str, what: str, count: int) -> list[dict[str, Any]]:
        async def listed() -> list[dict[str, Any]]:
            answer = await auditor.get("/acts", params={"actor": actors[name]})
            assert answer.status_code == 200, answer.text
            found = [a for a in answer.json()["acts"] if a["what"] == what]
            return found if len(found) >= count else []

        return await eventually(listed, timeout=60)

    uploads = await acts_of(UPLOADER, "ReconciliationRunPreviewed", 4)
    approvals = await acts_of(APPROVER, "ReconciliationRunApproved", 3)
    rejections = await acts_of(APPROVER, "ReconciliationRunRejected", 2)
    asked = await acts_of(APPROVER, "DeactivationRequested", 4)
    assert all(a["participant_id"] is None for a in uploads + approvals + rejections)
    assert all(a["who"] == "dinsos" for a in uploads + approvals + rejections)
    assert {a["decision"] for a in approvals} == {"reconciliation_approved"}
    uploaded_by = {a["payload"]["uploaded_by"]["id"] for a in approvals}
    assert actors[UPLOADER] in uploaded_by
    assert all(a["participant_id"] for a in asked)
    assert (await auditor.get("/verify")).json()["ok"] is True
