"""Agencies' own systems on the bus, against the real broker: Dinsos's SIKS-NG and Kelurahan
Telanaipura's system submit with their own credentials (dinsos-siks, kelurahan-1571011001)
on their inbound topics, the in-process enrollment service applies each submission once and
answers on the system's reply topic (read as the system), keyed by its submission_id.

- a valid proposal becomes a proposal and a ParticipantRegistered carrying the system as
  actor (the pseudonym of its Kafka principal, agency dinsos, kind system) and the record as
  cause, and is answered SubmissionAccepted with the proposal's ids and receipt code;
- a proposal breaking HTTP's rules is answered SubmissionRefused with field and rule codes,
  never a value (no NIK in the reply), and changes nothing;
- a record delivered twice gives one proposal and one answer; the same submission sent
  again is answered the same way and proposes nobody twice; a submission id reused with
  other content is refused;
- a kelurahan system's finding of another kelurahan is refused (OUTSIDE_KELURAHAN); one
  about a resident proposed elsewhere is NOT_A_PARTICIPANT;
- a valid finding goes through the maker-checker of a findings file: it joins the system's
  open reconciliation run (listed and previewed, pseudonyms only) and is answered pending
  approval with the run's id, sent again it is one entry with the same answer, and nothing is
  asked of anyone; a Dinsos officer (siti.dinsos) approves the run and only then is the
  DeactivationRequested stated, with the officer as actor, the approval as cause and the
  system as the run's maker; a rejected run sends nothing and blocks no later report; a run
  grown past the deactivation share is refused at approval;
- a record that is not a submission goes to the dead-letter topic with a reason code and is
  never answered; a submission on the wrong inbound topic is EVENT_NOT_OF_TOPIC.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from enrollment.adapters.reconciliation import FINDINGS_STATUSES
from enrollment.app.run_limits import RunLimits
from fastapi import FastAPI
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form, resident
from jkn_bus.unit_of_work import system_actor
from jkn_contracts import (
    INBOUND,
    AnyEvent,
    DeactivationRequested,
    FindingSubmitted,
    ProposalSubmitted,
    ReconciliationRunApproved,
    ReconciliationRunPreviewed,
    ReconciliationRunRejected,
    SubmissionAccepted,
    SubmissionRefused,
    parse_event,
    participant_id_for,
)
from jkn_devstack.submit import AgencySystem
from jkn_devstack.tokens import DevTokenAuth
from support.dev_issuer import demo_callers
from support.kafka import produce, read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

DINSOS, KELURAHAN = INBOUND
OTHER_KELURAHAN = "1571021002"


@pytest.fixture(scope="module", autouse=True)
def limits(app: FastAPI) -> None:
    """A handful of participants: one deactivation is a large share of them (the share
    test sets its own limit)."""
    app.state.run_limits = RunLimits(max_deactivation_share=1.0)


@pytest.fixture(scope="module")
async def officer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A Dinsos officer (siti.dinsos): reads, approves and rejects reconciliation runs."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://enrollment",
        auth=DevTokenAuth("siti.dinsos"),
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def officer_actor(app: FastAPI) -> str:
    callers = await demo_callers(actor_key=app.state.runtime.settings.jkn_pseudonym_key)
    return await callers.actor("siti.dinsos")


@pytest.fixture(scope="module")
def siks(app: FastAPI, topic_prefix: str) -> AgencySystem:
    """Dinsos's welfare-data system, logged in as dinsos-siks (the enrollment app runs)."""
    return AgencySystem(DINSOS, BOOTSTRAP, prefix=topic_prefix)


@pytest.fixture(scope="module")
def telanaipura(app: FastAPI, topic_prefix: str) -> AgencySystem:
    """Kelurahan Telanaipura's system, logged in as kelurahan-1571011001."""
    return AgencySystem(KELURAHAN, BOOTSTRAP, prefix=topic_prefix)


@pytest.fixture(scope="module")
async def client(app: FastAPI) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://enrollment"
    ) as c:
        yield c


def proposal(n: int, submission_id: str, **changes: Any) -> ProposalSubmitted:
    body = {k: v for k, v in form(n, proposed_by="siks-ng", **changes).items() if v is not None}
    return ProposalSubmitted.model_validate(
        {"event_id": str(uuid.uuid4()), "submission_id": submission_id, "payload": body}
    )


def finding(nik: str, submission_id: str, **changes: Any) -> FindingSubmitted:
    row = {
        "nik": nik,
        "reason": "pindah",
        "evidence_ref": "SURAT-PINDAH/2026/041",
        "officer": "sekretaris kelurahan",
        "kelurahan": KELURAHAN.kelurahan,
        **changes,
    }
    return FindingSubmitted.model_validate(
        {"event_id": str(uuid.uuid4()), "submission_id": submission_id, "payload": row}
    )


async def stated(topic_prefix: str, wanted: Callable[[AnyEvent], bool]) -> AnyEvent:
    """The one fact on Dinas Sosial's topic that ``wanted`` picks (read as the admin)."""

    async def found() -> list[AnyEvent]:
        records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=1)
        return [e for e in (parse_event(r.value or b"") for r in records) if wanted(e)]

    (event,) = await eventually(found, timeout=60)
    return event


async def pool_value(app: FastAPI, sql: str, *args: Any) -> Any:
    return await app.state.runtime.pool.fetchval(sql, *args)


async def proposals_of(app: FastAPI, nik: str) -> int:
    """How many proposals the resident with this NIK has (found by its pseudonym: the NIK
    itself is kept sealed)."""
    pid = participant_id_for(nik, app.state.runtime.settings.jkn_pseudonym_key)
    return int(
        await pool_value(app, "SELECT count(*) FROM proposals WHERE participant_id = $1", pid)
    )


async def test_a_valid_proposal_of_siks_becomes_its_fact_with_the_system_as_actor(
    app: FastAPI, siks: AgencySystem, client: httpx.AsyncClient, topic_prefix: str
) -> None:
    submitted = proposal(9001, "siks-2026-04-9001")

    reply = await siks.ask(submitted, timeout=60)

    assert isinstance(reply, SubmissionAccepted), reply
    answer = reply.payload
    assert (answer.submission_id, answer.submission_type) == (
        "siks-2026-04-9001",
        "ProposalSubmitted",
    )
    assert answer.proposal_id is not None
    assert answer.participant_id is not None
    assert answer.receipt_code is not None
    assert reply.causation_id == submitted.event_id
    system = system_actor(DINSOS, app.state.runtime.settings.jkn_pseudonym_key)
    assert reply.actor == system
    # the fact, stated by enrollment exactly as for HTTP, names the system and the record
    event = await stated(topic_prefix, lambda e: e.participant_id == answer.participant_id)
    assert event.event_type == "ParticipantRegistered"
    assert event.actor == system
    assert (event.actor.agency, event.actor.kind) == ("dinsos", "system")
    assert event.causation_id == submitted.event_id
    assert event.payload.proposal_id == answer.proposal_id  # type: ignore[union-attr]
    assert event.payload.proposed_by == "siks-ng"  # type: ignore[union-attr]
    row = await app.state.runtime.pool.fetchrow(
        "SELECT actor_id, actor_agency, actor_kind, status FROM proposals WHERE proposal_id = $1",
        answer.proposal_id,
    )
    assert tuple(row) == (system.id, "dinsos", "system", "registered")
    # the receipt code answered is the resident's second factor, as POST /proposals gives it
    status = await client.get(
        f"/proposals/{answer.proposal_id}", params={"receipt_code": answer.receipt_code}
    )
    assert status.status_code == 200, status.text


async def test_an_invalid_proposal_is_refused_with_codes_and_never_its_values(
    app: FastAPI, siks: AgencySystem, topic_prefix: str
) -> None:
    bad = proposal(9002, "siks-2026-04-9002", sex="P", kk="1571010101150000")  # a man's NIK
    nik = bad.payload.nik

    reply = await siks.ask(bad, timeout=60)

    assert isinstance(reply, SubmissionRefused), reply
    assert {(r.field, r.rule) for r in reply.payload.reasons} == {
        ("sex", "NIK_SEX_MISMATCH"),
        ("kk", "KK_SERIAL"),
    }
    raw = reply.model_dump_json()
    for value in (nik, bad.payload.kk, bad.payload.name, bad.payload.birth_date):
        assert value not in raw
    assert not await proposals_of(app, nik)
    # the answer's record is keyed by the sender's id, never by the NIK
    records = await read_topic(BOOTSTRAP, siks.reply_topic, expect=1)
    keys = {r.key for r in records}
    assert b"siks-2026-04-9002" in keys
    assert not any(nik.encode() in (r.key or b"") + (r.value or b"") for r in records)


async def test_a_record_delivered_twice_proposes_once_and_answers_once(
    app: FastAPI, siks: AgencySystem
) -> None:
    submitted = proposal(9003, "siks-2026-04-9003")
    record = (b"siks-2026-04-9003", submitted.model_dump_json().encode())

    await siks.send([record, record])  # the same record (same event_id) delivered twice
    # the same submission sent again as a new record: answered the same way, nothing more
    again = submitted.model_copy(update={"event_id": uuid.uuid4()})
    await siks.submit(again)

    replies = await siks.replies("siks-2026-04-9003", expect=2, timeout=60)
    assert len(replies) == 2, "one answer for the record delivered twice, one for the re-send"
    first, second = replies
    assert isinstance(first, SubmissionAccepted)
    assert isinstance(second, SubmissionAccepted)
    assert second.payload == first.payload, "the same submission is answered the same way"
    assert (first.causation_id, second.causation_id) == (submitted.event_id, again.event_id)
    nik = submitted.payload.nik
    assert await proposals_of(app, nik) == 1
    assert (
        await pool_value(
            app,
            "SELECT answers FROM submissions WHERE writer = 'dinsos-siks' AND submission_id = $1",
            "siks-2026-04-9003",
        )
        == 2
    )

    # the same id with other content is not the same submission: refused, nothing changes
    reused = proposal(9004, "siks-2026-04-9003")
    reply = await siks.ask(reused, timeout=60)
    assert isinstance(reply, SubmissionRefused)
    assert [(r.field, r.rule) for r in reply.payload.reasons] == [
        ("submission_id", "SUBMISSION_ID_REUSED")
    ]
    assert not await proposals_of(app, reused.payload.nik)


async def test_a_resident_already_proposed_is_refused_naming_the_open_proposal(
    siks: AgencySystem,
) -> None:
    first = await siks.ask(proposal(9005, "siks-2026-04-9005"), timeout=60)
    assert isinstance(first, SubmissionAccepted)

    reply = await siks.ask(proposal(9005, "siks-2026-04-9005-b"), timeout=60)

    assert isinstance(reply, SubmissionRefused)
    assert [(r.field, r.rule) for r in reply.payload.reasons] == [("nik", "ALREADY_PROPOSED")]
    assert reply.payload.existing_proposal_id == first.payload.proposal_id


async def test_a_kelurahan_system_s_finding_of_another_kelurahan_is_refused(
    app: FastAPI, siks: AgencySystem, telanaipura: AgencySystem
) -> None:
    proposed = await siks.ask(proposal(9006, "siks-2026-04-9006"), timeout=60)
    assert isinstance(proposed, SubmissionAccepted)
    nik = resident(9006)["nik"]

    reply = await telanaipura.ask(
        finding(nik, "tlp-2026-04-0001", kelurahan=OTHER_KELURAHAN), timeout=60
    )

    assert isinstance(reply, SubmissionRefused), reply
    assert [(r.field, r.rule) for r in reply.payload.reasons] == [
        ("kelurahan", "OUTSIDE_KELURAHAN")
    ]
    assert nik not in reply.model_dump_json()
    assert not await pool_value(
        app,
        "SELECT count(*) FROM deactivation_requests WHERE proposal_id = $1",
        proposed.payload.proposal_id,
    )


async def test_a_finding_about_a_resident_proposed_in_another_kelurahan_is_not_its_own(
    siks: AgencySystem, telanaipura: AgencySystem
) -> None:
    elsewhere = await siks.ask(
        proposal(9007, "siks-2026-04-9007", kelurahan=OTHER_KELURAHAN), timeout=60
    )
    assert isinstance(elsewhere, SubmissionAccepted)

    reply = await telanaipura.ask(finding(resident(9007)["nik"], "tlp-2026-04-0002"), timeout=60)

    assert isinstance(reply, SubmissionRefused)
    assert [(r.field, r.rule) for r in reply.payload.reasons] == [("nik", "NOT_A_PARTICIPANT")]


async def settled(topic_prefix: str) -> list[AnyEvent]:
    """Every fact on Dinas Sosial's topic once the relay had time to publish what it holds."""
    await asyncio.sleep(2)
    records = await read_topic(
        BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=1_000_000, timeout=3
    )
    return [parse_event(r.value or b"") for r in records]


def requested(every: list[AnyEvent], participant_id: str | None) -> list[AnyEvent]:
    return [
        e
        for e in every
        if isinstance(e, DeactivationRequested) and e.participant_id == participant_id
    ]


async def test_a_submitted_finding_is_pending_in_the_system_s_run_and_nothing_is_sent(
    app: FastAPI,
    siks: AgencySystem,
    telanaipura: AgencySystem,
    officer: httpx.AsyncClient,
    topic_prefix: str,
) -> None:
    proposed = await siks.ask(proposal(9008, "siks-2026-04-9008"), timeout=60)
    assert isinstance(proposed, SubmissionAccepted)
    pid = proposed.payload.participant_id
    reported = finding(resident(9008)["nik"], "tlp-2026-04-0003", reason="meninggal")

    reply = await telanaipura.ask(reported, timeout=60)

    assert isinstance(reply, SubmissionAccepted), reply
    answer = reply.payload
    assert (answer.participant_id, answer.proposal_id) == (pid, proposed.payload.proposal_id)
    assert answer.pending_approval is True
    assert answer.run_id is not None
    assert answer.request_id is not None
    system = system_actor(KELURAHAN, app.state.runtime.settings.jkn_pseudonym_key)
    # the run is listed and previewed like a file's: pseudonyms, by reason and kelurahan
    listed = (await officer.get("/reconciliation/runs")).json()["runs"]
    (run,) = [r for r in listed if r["run_id"] == str(answer.run_id)]
    assert (run["kind"], run["status"], run["submitted_by"]) == (
        "findings",
        "preview",
        KELURAHAN.writer,
    )
    report = (await officer.get(f"/reconciliation/runs/{answer.run_id}")).json()
    assert report["preview"]["participants"] == [pid]
    assert report["preview"]["by_reason"] == {"meninggal": 1}
    assert report["preview"]["by_kelurahan"] == {KELURAHAN.kelurahan: 1}
    assert report["approval"]["status"] == "pending"
    assert report["approval"]["uploaded_by"] == {"id": system.id, "agency": "kelurahan"}
    assert resident(9008)["nik"] not in json.dumps(report)
    # the same submission sent again, and its record redelivered: one entry, the same answer
    again = reported.model_copy(update={"event_id": uuid.uuid4()})
    await telanaipura.send([(b"tlp-2026-04-0003", reported.model_dump_json().encode())])
    await telanaipura.submit(again)
    replies = await telanaipura.replies("tlp-2026-04-0003", expect=2, timeout=60)
    assert [r.payload for r in replies] == [answer, answer]
    assert (
        await pool_value(
            app, "SELECT count(*) FROM deactivation_requests WHERE participant_id = $1", pid
        )
        == 1
    )
    assert report["rows"]["read"] == 1
    # the system's act is the preview; nothing is asked of Dinkes or BPJS yet
    previewed = await stated(
        topic_prefix,
        lambda e: isinstance(e, ReconciliationRunPreviewed) and e.correlation_id == answer.run_id,
    )
    assert previewed.actor == system
    assert not requested(await settled(topic_prefix), pid)
    # the same resident reported again (another submission) while the run is open
    twice = await telanaipura.ask(
        finding(resident(9008)["nik"], "tlp-2026-04-0004", reason="pindah"), timeout=60
    )
    assert isinstance(twice, SubmissionRefused)
    assert [(r.field, r.rule) for r in twice.payload.reasons] == [("nik", "ALREADY_REQUESTED")]


async def test_a_dinsos_officer_approves_the_system_s_run_and_it_is_sent_with_both_actors(
    app: FastAPI,
    telanaipura: AgencySystem,
    officer: httpx.AsyncClient,
    officer_actor: str,
    topic_prefix: str,
) -> None:
    reply = (await telanaipura.replies("tlp-2026-04-0003", expect=1, timeout=60))[0]
    assert isinstance(reply, SubmissionAccepted)
    run_id, pid = reply.payload.run_id, reply.payload.participant_id

    approved = await officer.post(f"/reconciliation/runs/{run_id}/approve")

    assert approved.status_code == 200, approved.text
    assert approved.json()["requests_emitted"] == 1
    event = await stated(topic_prefix, lambda e: e.event_id == reply.payload.request_id)
    approval = await stated(
        topic_prefix,
        lambda e: isinstance(e, ReconciliationRunApproved) and e.correlation_id == run_id,
    )
    system = system_actor(KELURAHAN, app.state.runtime.settings.jkn_pseudonym_key)
    assert isinstance(event, DeactivationRequested)
    assert event.participant_id == pid
    assert event.actor is not None
    assert (event.actor.id, event.actor.agency, event.actor.kind) == (
        officer_actor,
        "dinsos",
        "person",
    )
    assert event.causation_id == approval.event_id
    assert approval.actor is not None
    assert approval.actor.id == officer_actor
    assert approval.payload.uploaded_by == system  # type: ignore[union-attr]
    payload = event.payload
    assert (payload.reason.value, payload.kelurahan, payload.reported_by, payload.run_id) == (  # type: ignore[union-attr]
        "meninggal",
        KELURAHAN.kelurahan,
        "sekretaris kelurahan",
        run_id,
    )
    report = (await officer.get(f"/reconciliation/runs/{run_id}")).json()
    assert report["approval"]["uploaded_by"] == {"id": system.id, "agency": "kelurahan"}
    assert report["approval"]["decided_by"] == {"id": officer_actor, "agency": "dinsos"}
    # decided: the next finding opens a new run; this resident's deactivation is asked
    twice = await telanaipura.ask(
        finding(resident(9008)["nik"], "tlp-2026-04-0005", reason="pindah"), timeout=60
    )
    assert isinstance(twice, SubmissionRefused)
    assert [(r.field, r.rule) for r in twice.payload.reasons] == [("nik", "ALREADY_REQUESTED")]


async def test_a_rejected_run_of_submitted_findings_sends_nothing(
    siks: AgencySystem,
    telanaipura: AgencySystem,
    officer: httpx.AsyncClient,
    topic_prefix: str,
) -> None:
    for n in (9011, 9012):
        assert isinstance(
            await siks.ask(proposal(n, f"siks-2026-04-{n}"), timeout=60), SubmissionAccepted
        )
    first = await telanaipura.ask(finding(resident(9011)["nik"], "tlp-2026-04-0011"), timeout=60)
    second = await telanaipura.ask(finding(resident(9012)["nik"], "tlp-2026-04-0012"), timeout=60)
    assert isinstance(first, SubmissionAccepted)
    assert isinstance(second, SubmissionAccepted)
    run_id = first.payload.run_id
    assert second.payload.run_id == run_id, "one open run collects the system's findings"
    earlier = (await telanaipura.replies("tlp-2026-04-0003", expect=1, timeout=10))[0]
    assert run_id != earlier.payload.run_id  # type: ignore[union-attr]

    rejected = await officer.post(f"/reconciliation/runs/{run_id}/reject")

    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["deactivations"]) == ("rejected", 2)
    await stated(
        topic_prefix,
        lambda e: isinstance(e, ReconciliationRunRejected) and e.correlation_id == run_id,
    )
    every = await settled(topic_prefix)
    for answer in (first, second):
        assert not requested(every, answer.payload.participant_id)
    # a rejected run stands in nobody's way: reported again, the resident joins a new run
    again = await telanaipura.ask(finding(resident(9011)["nik"], "tlp-2026-04-0013"), timeout=60)
    assert isinstance(again, SubmissionAccepted), again
    assert again.payload.run_id not in (None, run_id)
    assert (await officer.post(f"/reconciliation/runs/{again.payload.run_id}/reject")).is_success


async def test_a_system_s_run_grown_past_the_share_is_refused_at_approval(
    app: FastAPI,
    siks: AgencySystem,
    telanaipura: AgencySystem,
    officer: httpx.AsyncClient,
    topic_prefix: str,
) -> None:
    numbers = range(9021, 9024)
    for n in numbers:
        assert isinstance(
            await siks.ask(proposal(n, f"siks-2026-04-{n}"), timeout=60), SubmissionAccepted
        )
    answers = [
        await telanaipura.ask(finding(resident(n)["nik"], f"tlp-2026-04-{n}"), timeout=60)
        for n in numbers
    ]
    assert all(isinstance(a, SubmissionAccepted) for a in answers), answers
    (run_id,) = {a.payload.run_id for a in answers}  # type: ignore[union-attr]
    participants = await pool_value(
        app,
        "SELECT count(*) FROM proposals WHERE status = ANY($1::text[])",
        list(FINDINGS_STATUSES),
    )
    # each finding was accepted; together they are more than the share of participants
    app.state.run_limits = RunLimits(max_deactivation_share=2 / participants)
    try:
        refused = await officer.post(f"/reconciliation/runs/{run_id}/approve")
    finally:
        app.state.run_limits = RunLimits(max_deactivation_share=1.0)

    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["rule"] == "DEACTIVATION_SHARE_EXCEEDED"
    assert (body["deactivations"], body["participants"]) == (3, participants)
    assert body["errors"][0]["field"] == "run_id"
    report = (await officer.get(f"/reconciliation/runs/{run_id}")).json()
    assert (report["status"], report["approval"]["decided_by"]) == ("preview", None)
    every = await settled(topic_prefix)
    assert not [
        e
        for e in every
        if e.correlation_id == run_id and not isinstance(e, ReconciliationRunPreviewed)
    ]
    assert (await officer.post(f"/reconciliation/runs/{run_id}/reject")).is_success


async def test_a_record_that_is_not_a_submission_is_dead_lettered_and_never_answered(
    siks: AgencySystem, telanaipura: AgencySystem, topic_prefix: str
) -> None:
    broken = json.loads(proposal(9009, "siks-2026-04-9009").model_dump_json())
    del broken["event_id"]
    await siks.send([(b"siks-2026-04-9009", json.dumps(broken).encode())])
    # a finding written onto Dinsos's inbound topic (only the admin could): not of the topic
    misplaced = finding(resident(9009)["nik"], "siks-2026-04-9010")
    await produce(
        BOOTSTRAP,
        topic_prefix + DINSOS.name,
        [(b"siks-2026-04-9010", misplaced.model_dump_json().encode())],
    )

    async def dead() -> dict[bytes, str]:
        records = await read_topic(BOOTSTRAP, f"{topic_prefix}jkn.dlq.enrollment", expect=2)
        found = {
            r.key: dict(r.headers)["x-dlq-reason"].decode()
            for r in records
            if r.key in (b"siks-2026-04-9009", b"siks-2026-04-9010")
        }
        return found if len(found) == 2 else {}

    reasons = await eventually(dead, timeout=60)
    assert reasons[b"siks-2026-04-9009"].lower().startswith("invalid")
    assert reasons[b"siks-2026-04-9010"].startswith("EVENT_NOT_OF_TOPIC: FindingSubmitted")
    for reason in reasons.values():
        assert resident(9009)["nik"] not in reason
    for submission_id in ("siks-2026-04-9009", "siks-2026-04-9010"):
        assert await siks.replies(submission_id, expect=1, timeout=3) == []
