"""Every act is attributable: a Dinkes verifier's quota change is a QuotaChanged fact
carrying their actor id and agency, kept with the change, and the audit trail holds it
(and the residents it admitted) in its verified hash chain; a quota cut's approval names the
approving verifier as actor and the asking one in its payload."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from integration.verification.conftest import BOOTSTRAP, SecondVerifier
from integration.verification.scenario import People, coverage_reported, registered
from jkn_audit.bootstrap import build_app as build_audit_app
from jkn_audit.bootstrap import build_runtime as build_audit_runtime
from jkn_bus import BusSettings, ServiceRuntime
from jkn_contracts import AnyEvent, QuotaChanged
from support.dev_issuer import Callers, demo_callers
from support.kafka import Collector
from support.polling import eventually
from verification.bootstrap import build_app
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

VERIFIER = "rina.dinkes"
AUDITOR = "hana.auditor"


@pytest.fixture(scope="module")
async def callers(runtime: ServiceRuntime) -> Callers:
    return await demo_callers(actor_key=runtime.settings.jkn_pseudonym_key)


@pytest.fixture(scope="module")
async def dinkes(
    runtime: ServiceRuntime, settings: VerificationSettings, callers: Callers
) -> AsyncIterator[httpx.AsyncClient]:
    """The verification API, called by a Dinkes verifier."""
    app = callers.protect(build_app(runtime, settings), "verification")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://verification",
        auth=callers.auth(VERIFIER),
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def audit(database: dict[str, str], topic_prefix: str) -> AsyncIterator[ServiceRuntime]:
    """The audit trail, consuming every topic of this module."""
    runtime = build_audit_runtime(
        BusSettings(
            service="audit",
            database_url=database["audit"],
            kafka_bootstrap_servers=BOOTSTRAP,
            jkn_topic_prefix=topic_prefix,
        )
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


@pytest.fixture(scope="module")
async def auditor(audit: ServiceRuntime, callers: Callers) -> AsyncIterator[httpx.AsyncClient]:
    app = callers.protect(build_audit_app(audit), "audit")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://audit", auth=callers.auth(AUDITOR)
    ) as client:
        yield client


async def one(published: Collector, participant_id: str, event_type: str) -> AnyEvent:
    async def found() -> list[AnyEvent]:
        return published.of(participant_id, event_type)

    return (await eventually(found))[0]


async def quota_changes(published: Collector, count: int) -> list[QuotaChanged]:
    async def found() -> list[QuotaChanged]:
        changes = [e for e in published.events if isinstance(e, QuotaChanged)]
        return changes if len(changes) >= count else []

    return await eventually(found)


async def test_a_verifier_s_quota_change_is_a_fact_naming_them_and_the_audit_trail_keeps_it(
    *,
    dinkes: httpx.AsyncClient,
    auditor: httpx.AsyncClient,
    callers: Callers,
    runtime: ServiceRuntime,
    published: Collector,
    people: People,
    send: Any,
) -> None:
    rina = {"id": await callers.actor(VERIFIER), "agency": "dinkes", "kind": "person"}
    year = (await dinkes.get("/quota")).json()["budget_year"]

    # The verifier closes the year's quota: a valid proposal must now wait.
    closed = await dinkes.put("/quota", json={"budget_year": year, "total": 0})
    assert closed.status_code == 200, closed.text
    waiting = registered(people.eligible())
    await send(waiting)
    await send(
        coverage_reported(await one(published, waiting.participant_id, "CoverageCheckRequested"))
    )
    await one(published, waiting.participant_id, "ParticipantWaitlisted")

    # She opens one slot: the waiting resident is admitted by her act.
    opened = await dinkes.put("/quota", json={"budget_year": year, "total": 1})
    assert opened.status_code == 200, opened.text
    assert opened.json()["admitted_from_waitlist"] == 1

    first, second = await quota_changes(published, 2)
    assert first.actor is not None
    assert first.actor.model_dump() == rina
    assert (first.payload.previous_total, first.payload.total) == (None, 0)
    assert second.actor == first.actor
    assert second.payload.model_dump() == {
        "budget_year": year,
        "previous_total": 0,
        "total": 1,
        "used": 0,
        "admitted_from_waitlist": 1,
    }
    assert second.participant_id is None
    admitted = await one(published, waiting.participant_id, "ParticipantVerified")
    assert admitted.causation_id == second.event_id
    assert admitted.actor == second.actor

    # The service keeps who changed what with the change itself.
    kept = await runtime.pool.fetch(
        "SELECT previous_total, total, admitted, actor_id, actor_agency, event_id"
        " FROM quota_changes ORDER BY id"
    )
    assert [tuple(r) for r in kept] == [
        (None, 0, 0, rina["id"], "dinkes", first.event_id),
        (0, 1, 1, rina["id"], "dinkes", second.event_id),
    ]

    # The audit trail: her acts, the resident's history naming her, an intact chain.
    async def acts_recorded() -> list[dict[str, Any]]:
        answer = await auditor.get("/acts", params={"actor": rina["id"]})
        assert answer.status_code == 200, answer.text
        acts: list[dict[str, Any]] = answer.json()["acts"]
        return acts if len(acts) >= 3 else []

    acts = await eventually(acts_recorded)
    quota_acts = [a for a in acts if a["what"] == "QuotaChanged"]
    assert [a["event_id"] for a in quota_acts] == [str(first.event_id), str(second.event_id)]
    assert all(a["actor"] == rina and a["who"] == "dinkes" for a in quota_acts)
    assert quota_acts[1]["decision"] == "quota_changed"
    assert quota_acts[1]["why"] == [f"budget_year:{year}", "QUOTA_RAISED", "ADMITTED_FROM_WAITLIST"]
    assert quota_acts[1]["participant_id"] is None
    assert quota_acts[1]["payload"]["previous_total"] == 0
    by_agency = (await auditor.get("/acts", params={"agency": "dinkes"})).json()["acts"]
    assert {a["event_id"] for a in acts} <= {a["event_id"] for a in by_agency}

    history = (await auditor.get(f"/participants/{waiting.participant_id}/history")).json()
    steps = {e["what"]: e for e in history["events"]}
    assert steps["ParticipantVerified"]["actor"] == rina
    assert steps["ParticipantVerified"]["causation_id"] == str(second.event_id)
    assert steps["ParticipantWaitlisted"]["actor"] is None  # followed from an event, not an act

    chain = (await auditor.get("/verify")).json()
    assert chain["ok"] is True, chain


async def test_only_a_verifier_may_change_the_quota_and_an_auditor_only_may_list_acts(
    runtime: ServiceRuntime,
    settings: VerificationSettings,
    callers: Callers,
    auditor: httpx.AsyncClient,
) -> None:
    app = callers.protect(build_app(runtime, settings), "verification")
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://verification", auth=callers.auth("siti.dinsos")
    ) as dinsos:
        refused = await dinsos.put("/quota", json={"budget_year": 2026, "total": 5})
    assert (refused.status_code, refused.json()["reason"]) == (403, "ROLE_NOT_ALLOWED")

    # the audit trail's list of acts is the auditors' alone
    rina_on_audit = await auditor.get(
        "/acts", params={"agency": "dinkes"}, auth=callers.auth(VERIFIER)
    )
    assert (rina_on_audit.status_code, rina_on_audit.json()["reason"]) == (403, "ROLE_NOT_ALLOWED")
    nothing_named = await auditor.get("/acts")
    assert nothing_named.status_code == 422


async def test_a_quota_cut_s_decision_names_checker_and_maker_in_the_audit_trail(
    *,
    dinkes: httpx.AsyncClient,
    checker: httpx.AsyncClient,
    auditor: httpx.AsyncClient,
    callers: Callers,
    runtime: ServiceRuntime,
) -> None:
    rina = await callers.actor(VERIFIER)
    second = await SecondVerifier(runtime.settings.jkn_pseudonym_key).actor(VERIFIER)
    assert second != rina  # another subject: another person to the rule
    year = (await dinkes.get("/quota")).json()["budget_year"]
    raised = await dinkes.put("/quota", json={"budget_year": year, "total": 3})
    assert raised.status_code == 200, raised.text

    asked = await dinkes.put("/quota", json={"budget_year": year, "total": 2})
    assert asked.status_code == 202, asked.text
    approved = await checker.post(asked.json()["approve_url"])
    assert approved.status_code == 200, approved.text

    async def checker_acts() -> list[dict[str, Any]]:
        answer = await auditor.get("/acts", params={"actor": second})
        acts: list[dict[str, Any]] = answer.json()["acts"]
        return acts if len(acts) >= 2 else []

    acts = {a["what"]: a for a in await eventually(checker_acts)}
    decision, change = acts["QuotaCutApproved"], acts["QuotaChanged"]
    assert decision["decision"] == "quota_cut_approved"
    assert decision["why"] == [f"budget_year:{year}"]
    assert decision["payload"]["requested_by"]["id"] == rina  # the maker, kept with the act
    assert decision["payload"]["cut_id"] == asked.json()["cut_id"]
    assert (decision["payload"]["previous_total"], decision["payload"]["total"]) == (3, 2)
    assert change["why"][:2] == [f"budget_year:{year}", "QUOTA_LOWERED"]
    assert (await auditor.get("/verify")).json()["ok"] is True
