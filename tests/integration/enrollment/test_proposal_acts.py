"""Every act is attributable: a proposal's ParticipantRegistered carries the proposing
officer's actor (kept with the proposal), every proposal of an import the importing
caller's, the preview of a findings file or a registry snapshot the uploader's and its
deactivation requests the approving officer's — the caller's pseudonymous actor id, their
agency, person or system."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from enrollment.app.run_limits import RunLimits
from fastapi import FastAPI
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import csv_text, form, resident
from jkn_contracts import AnyEvent, parse_event
from support.dev_issuer import Callers, demo_callers
from support.kafka import read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

OFFICER = "siti.dinsos"  # a Dinas Sosial officer
SIKS = "dinsos-siks"  # Dinsos's welfare-data system (client credentials)
LURAH = "budi.kelurahan"  # the operator of kelurahan 1571011001
APPROVER = "yusuf.dinsos"  # a second Dinas Sosial officer: approves reconciliation runs


@pytest.fixture(scope="module")
async def callers(app: FastAPI) -> Callers:
    callers = await demo_callers(actor_key=app.state.runtime.settings.jkn_pseudonym_key)
    callers.protect(app, "enrollment")
    # a handful of residents here: a run deactivating one is far over the default 5 %
    app.state.run_limits = RunLimits(max_deactivation_share=1.0, min_snapshot_row_ratio=0)
    return callers


@pytest.fixture(scope="module")
async def caller(app: FastAPI, callers: Callers) -> AsyncIterator[httpx.AsyncClient]:
    """The enrollment API; each call says who makes it (``auth=callers.auth(name)``)."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://enrollment", timeout=60
    ) as c:
        yield c


async def actor(callers: Callers, name: str, agency: str, kind: str = "person") -> dict[str, str]:
    return {"id": await callers.actor(name), "agency": agency, "kind": kind}


async def published(topic_prefix: str, *, expect: int) -> list[AnyEvent]:
    """What Dinas Sosial stated so far on its topic."""
    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=expect)
    return [parse_event(r.value or b"") for r in records]


async def stated(topic_prefix: str, wanted: Any, count: int) -> list[AnyEvent]:
    async def arrived() -> list[AnyEvent]:
        found = [e for e in await published(topic_prefix, expect=count) if wanted(e)]
        return found if len(found) >= count else []

    return await eventually(arrived, timeout=60)


async def test_a_proposal_carries_the_proposing_officer_and_keeps_them_with_the_row(
    app: FastAPI, caller: httpx.AsyncClient, callers: Callers, topic_prefix: str
) -> None:
    made = await caller.post("/proposals", json=form(7001), auth=callers.auth(OFFICER))

    assert made.status_code == 201, made.text
    pid = made.json()["participant_id"]
    (event,) = await stated(topic_prefix, lambda e: e.participant_id == pid, 1)
    assert event.event_type == "ParticipantRegistered"
    assert event.actor is not None
    assert event.actor.model_dump() == await actor(callers, OFFICER, "dinsos")
    row = await app.state.runtime.pool.fetchrow(
        "SELECT actor_id, actor_agency, actor_kind FROM proposals WHERE participant_id = $1", pid
    )
    assert tuple(row) == (await callers.actor(OFFICER), "dinsos", "person")


async def test_every_proposal_of_an_import_carries_the_importing_caller(
    app: FastAPI, caller: httpx.AsyncClient, callers: Callers, topic_prefix: str
) -> None:
    rows = [resident(n) for n in range(7101, 7105)]  # two chunks of three rows (and one)
    started = await caller.post(
        "/imports",
        params={"proposed_by": "siks-ng-2026"},
        content=csv_text(rows).encode(),
        headers={"content-type": "text/csv"},
        auth=callers.auth(SIKS),
    )
    assert started.status_code == 201, started.text
    import_id = uuid.UUID(started.json()["import_id"])
    # a second person approves the system's import: an officer (maker-checker)
    decided = await caller.post(f"/imports/{import_id}/approve", auth=callers.auth(OFFICER))
    assert decided.status_code == 202, decided.text

    async def imported() -> bool:  # every chunk committed, not only the first
        count = await app.state.runtime.pool.fetchval(
            "SELECT count(*) FROM proposals WHERE import_id = $1", import_id
        )
        return bool(count == len(rows))

    await eventually(imported, timeout=60)
    pids = {
        r["participant_id"]
        for r in await app.state.runtime.pool.fetch(
            "SELECT participant_id FROM proposals WHERE import_id = $1", import_id
        )
    }
    events = await stated(topic_prefix, lambda e: e.participant_id in pids, len(rows))
    system = await actor(callers, SIKS, "dinsos", "system")
    assert [e.actor.model_dump() if e.actor else None for e in events] == [system] * len(rows)
    kept = await app.state.runtime.pool.fetchrow(
        "SELECT actor_id, actor_kind FROM imports WHERE import_id = $1", import_id
    )
    assert tuple(kept) == (await callers.actor(SIKS), "system")
    (approval,) = await stated(
        topic_prefix,
        lambda e: e.event_type == "ImportApproved" and e.correlation_id == import_id,
        1,
    )
    assert approval.actor is not None
    assert approval.actor.model_dump() == await actor(callers, OFFICER, "dinsos")
    assert approval.payload.model_dump()["uploaded_by"] == system


async def test_a_kelurahan_s_findings_are_its_operator_s_preview_and_a_dinsos_officer_s_requests(
    caller: httpx.AsyncClient, callers: Callers, topic_prefix: str
) -> None:
    made = await caller.post("/proposals", json=form(7201), auth=callers.auth(OFFICER))
    assert made.status_code == 201, made.text
    pid = made.json()["participant_id"]
    moved = resident(7201)
    findings = (
        "nik,reason,evidence_ref,officer,kelurahan\r\n"
        f"{moved['nik']},pindah,SKPWNI/2026/0042,Pak Budi,{moved['kelurahan']}\r\n"
    )

    uploaded = await caller.post(
        "/reconciliation/findings",
        content=findings.encode(),
        headers={"content-type": "text/csv"},
        auth=callers.auth(LURAH),
    )

    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["preview"]["participants"] == [pid]
    run_id = uploaded.json()["run_id"]
    (previewed,) = await stated(
        topic_prefix,
        lambda e: e.event_type == "ReconciliationRunPreviewed" and str(e.correlation_id) == run_id,
        1,
    )
    assert previewed.actor is not None
    assert previewed.actor.model_dump() == await actor(callers, LURAH, "kelurahan")
    approved = await caller.post(
        f"/reconciliation/runs/{run_id}/approve", auth=callers.auth(APPROVER)
    )
    assert approved.status_code == 200, approved.text
    (request,) = await stated(
        topic_prefix,
        lambda e: e.participant_id == pid and e.event_type == "DeactivationRequested",
        1,
    )
    assert request.actor is not None
    assert request.actor.model_dump() == await actor(callers, APPROVER, "dinsos")


async def test_a_snapshot_s_requests_and_refills_carry_who_uploaded_and_who_proposed(
    app: FastAPI, caller: httpx.AsyncClient, callers: Callers, topic_prefix: str
) -> None:
    gone = await caller.post("/proposals", json=form(7301), auth=callers.auth(OFFICER))
    assert gone.status_code == 201, gone.text
    gone_pid = gone.json()["participant_id"]
    # everyone proposed so far is in the snapshot but 7301; one eligible resident is not proposed
    present = [
        {**resident(n), "welfare_decile": "2"} for n in (7001, 7101, 7102, 7103, 7104, 7201, 7302)
    ]
    snapshot_rows = [
        ",".join(
            str(r[c])
            for c in ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "welfare_decile")
        )
        for r in present
    ]
    snapshot = "nik,kk,name,sex,birth_date,kelurahan,welfare_decile\r\n" + "\r\n".join(
        snapshot_rows
    )

    uploaded = await caller.post(
        "/reconciliation/snapshots",
        content=snapshot.encode(),
        headers={"content-type": "text/csv"},
        auth=callers.auth(OFFICER),
    )
    assert uploaded.status_code == 201, uploaded.text
    run_id = uploaded.json()["run_id"]
    approved = await caller.post(
        f"/reconciliation/runs/{run_id}/approve", auth=callers.auth(APPROVER)
    )
    assert approved.status_code == 200, approved.text
    (request,) = await stated(
        topic_prefix,
        lambda e: e.participant_id == gone_pid and e.event_type == "DeactivationRequested",
        1,
    )
    assert request.actor is not None
    assert request.actor.model_dump() == await actor(callers, APPROVER, "dinsos")

    asked = await caller.post(
        f"/reconciliation/runs/{run_id}/candidates/propose",
        params={"limit": 5},
        auth=callers.auth(OFFICER),
    )
    assert asked.status_code == 202, asked.text  # a refill batch: a second officer approves
    refilled = await caller.post(asked.json()["approve_url"], auth=callers.auth(APPROVER))
    assert refilled.status_code == 200, refilled.text
    (made,) = refilled.json()["proposed"]
    (registered,) = await stated(
        topic_prefix, lambda e: e.participant_id == made["participant_id"], 1
    )
    assert registered.actor is not None
    assert registered.actor.model_dump() == await actor(callers, OFFICER, "dinsos")
