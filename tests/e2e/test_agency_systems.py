"""Agencies' own systems, end to end on the running city: Dinas Sosial's SIKS-NG proposes a
resident of Kelurahan Telanaipura over Kafka (as dinsos-siks) and is answered at once with
the proposal's ids and receipt code; Dinkes verifies the resident, BPJS registers them —
the same journey as an HTTP proposal. Then Telanaipura's own system reports that the
resident moved away (as kelurahan-1571011001): the finding waits in the system's
reconciliation run, nothing happens until a Dinsos officer (siti.dinsos) approves the run;
then Dinkes releases the slot, BPJS ends the card, and the resident's status says so. The
audit trail names the system as the actor of the registration and of the run's preview, and
the approving officer as the actor of the deactivation request. A proposal breaking a NIK
rule is refused with codes only."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import running_city
from jkn_contracts import (
    INBOUND,
    FindingSubmitted,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
)
from jkn_demo.callers import Callers
from jkn_demo.scenario import CityFiles
from jkn_demo.stack import Stack
from jkn_demo.stackenv import BOOTSTRAP
from jkn_devstack.submit import AgencySystem
from jkn_devstack.tokens import DevTokenAuth
from support.polling import eventually
from support.spans import SpanCollector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 12000  # beside `make run` and the other end-to-end stacks
DINSOS, KELURAHAN = INBOUND


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    run_dir = Path(tmp_path_factory.mktemp("run"))
    # the stack holds the one resident this module proposes: deactivating them is all of it
    async with running_city(
        city,
        spans,
        run_dir,
        port_offset=PORT_OFFSET,
        tag="e2a",
        ENROLLMENT_MAX_DEACTIVATION_SHARE="1.0",
    ) as stack:
        yield stack


def _rows(city: CityFiles, category: str, kelurahan: str | None = None) -> list[dict[str, str]]:
    """The demo batch's rows of ``category`` (and ``kelurahan``), as POST /proposals' fields."""
    rows = csv.DictReader(io.StringIO(city.proposals.decode()))
    return [
        row
        for row, meant in zip(rows, city.manifest["rows"], strict=True)
        if meant["category"] == category and kelurahan in (None, row["kelurahan"])
    ]


def _proposal(row: dict[str, str], submission_id: str) -> ProposalSubmitted:
    form = {k: v for k, v in row.items() if v} | {"proposed_by": "siks-ng"}
    return ProposalSubmitted.model_validate(
        {"event_id": str(uuid.uuid4()), "submission_id": submission_id, "payload": form}
    )


async def _status(client: httpx.AsyncClient, url: str, answer: SubmissionAccepted) -> str:
    resp = await client.get(
        f"{url}/proposals/{answer.payload.proposal_id}",
        params={"receipt_code": answer.payload.receipt_code},
    )
    assert resp.status_code == 200, resp.text
    status: str = resp.json()["status"]
    return status


async def _history(
    client: httpx.AsyncClient, url: str, participant_id: str, callers: Callers
) -> list[dict[str, Any]]:
    resp = await client.get(f"{url}/participants/{participant_id}/history", auth=callers.auditor)
    assert resp.status_code == 200, resp.text
    events: list[dict[str, Any]] = resp.json()["events"]
    return events


async def test_systems_propose_and_report_over_kafka_as_over_http(
    stack: Stack, city: CityFiles, callers: Callers
) -> None:
    prefix = stack.env["JKN_TOPIC_PREFIX"]
    siks = AgencySystem(DINSOS, BOOTSTRAP, prefix=prefix)
    telanaipura = AgencySystem(KELURAHAN, BOOTSTRAP, prefix=prefix)
    enrollment, audit = stack.url("enrollment"), stack.url("audit")
    (resident, *_) = _rows(city, "eligible", KELURAHAN.kelurahan)

    accepted = await siks.ask(_proposal(resident, "siks-e2e-0001"), timeout=120)

    assert isinstance(accepted, SubmissionAccepted), accepted
    pid = accepted.payload.participant_id
    assert pid is not None
    async with httpx.AsyncClient(timeout=30) as client:

        async def reached(status: str) -> bool:
            return await _status(client, enrollment, accepted) == status

        await eventually(lambda: reached("activated"), timeout=240, interval=1.0)
        history = await _history(client, audit, pid, callers)
        registered = next(e for e in history if e["what"] == "ParticipantRegistered")
        assert (registered["actor"]["agency"], registered["actor"]["kind"]) == ("dinsos", "system")
        assert registered["causation_id"] is not None

        finding = FindingSubmitted.model_validate(
            {
                "event_id": str(uuid.uuid4()),
                "submission_id": "tlp-e2e-0001",
                "payload": {
                    "nik": resident["nik"],
                    "reason": "pindah",
                    "evidence_ref": "SURAT-PINDAH/2026/0201",
                    "officer": "sekretaris kelurahan",
                    "kelurahan": KELURAHAN.kelurahan,
                },
            }
        )
        reported = await telanaipura.ask(finding, timeout=120)

        assert isinstance(reported, SubmissionAccepted), reported
        assert reported.payload.participant_id == pid
        assert reported.payload.pending_approval is True
        run_url = f"{enrollment}/reconciliation/runs/{reported.payload.run_id}"
        officer = DevTokenAuth("siti.dinsos")
        run = (await client.get(run_url, auth=officer)).json()
        assert (run["status"], run["submitted_by"]) == ("preview", KELURAHAN.writer)
        assert run["preview"]["participants"] == [pid]
        assert await _status(client, enrollment, accepted) == "activated"  # nothing sent yet

        approved = await client.post(f"{run_url}/approve", auth=officer)

        assert approved.status_code == 200, approved.text
        await eventually(lambda: reached("deactivated"), timeout=240, interval=1.0)
        history = await _history(client, audit, pid, callers)
        acts = await client.get(
            f"{audit}/acts", params={"agency": "kelurahan"}, auth=callers.auditor
        )
    assert acts.status_code == 200, acts.text
    previewed = [a for a in acts.json()["acts"] if a["what"] == "ReconciliationRunPreviewed"]
    assert previewed, "the system's act: its finding joined the run"
    assert previewed[0]["actor"]["kind"] == "system"
    requested = next(e for e in history if e["what"] == "DeactivationRequested")
    assert (requested["actor"]["agency"], requested["actor"]["kind"]) == ("dinsos", "person")
    assert requested["actor"]["id"] != registered["actor"]["id"]
    whats = [e["what"] for e in history]
    assert whats.index("SlotReleased") > whats.index("DeactivationRequested")
    assert "ParticipantDeactivated" in whats


async def test_a_proposal_breaking_a_nik_rule_is_refused_with_codes_only(
    stack: Stack, city: CityFiles
) -> None:
    siks = AgencySystem(DINSOS, BOOTSTRAP, prefix=stack.env["JKN_TOPIC_PREFIX"])
    (broken, *_) = _rows(city, "bad_nik")

    refused = await siks.ask(_proposal(broken, "siks-e2e-0002"), timeout=120)

    assert isinstance(refused, SubmissionRefused), refused
    assert refused.payload.reasons
    assert all(r.rule.startswith(("NIK_", "KK_")) for r in refused.payload.reasons)
    assert broken["nik"] not in refused.model_dump_json()
