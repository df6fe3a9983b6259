"""Quarterly reconciliation, end to end: after the demo batch settled, a kelurahan reports
five activated residents, one for each reason (dead, moved away, duplicate, not found, no
longer poor). Dinsos asks for their deactivation, Dinkes frees their slots and admits the
five best waiting residents, BPJS ends the five cards on the cut-off date and registers the
newcomers, the residents and the kelurahan are told; Dinsos's report shows it all."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from bpjs_gateway.domain.effective_dates import deactivation_effective_date
from e2e.conftest import running_city
from jkn_demo.callers import Callers
from jkn_demo.journey import Outcome
from jkn_demo.scenario import CityFiles, propose_and_follow, seed_bpjs
from jkn_demo.stack import COMPONENTS, Stack
from notifications.domain.wording import format_date
from support.invariants import agencies_check
from support.polling import eventually
from support.spans import SpanCollector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 11000  # beside `make run` and the resident-journey test's stack


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    run_dir = Path(tmp_path_factory.mktemp("run"))
    # A small demo city: the five residents reported are far more than 5 % of its participants.
    async with running_city(
        city,
        spans,
        run_dir,
        port_offset=PORT_OFFSET,
        tag="e2r",
        ENROLLMENT_MAX_DEACTIVATION_SHARE="0.5",
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def urls(stack: Stack) -> dict[str, str]:
    return {c.name: stack.url(c.name) for c in COMPONENTS}


@pytest.fixture(scope="module")
async def settled(
    urls: dict[str, str], city: CityFiles, callers: Callers
) -> list[tuple[dict[str, Any], Outcome]]:
    async with httpx.AsyncClient(timeout=30) as client:
        await seed_bpjs(client, urls["bpjs-sim"], city)
        _, followed = await propose_and_follow(client, urls, city, callers=callers, timeout=240)
    assert all(o.settled for _, o in followed)
    return followed


# One finding per reason a kelurahan may report (docs/domain.md#deactivation-reasons), with
# its evidence.
FINDINGS = {
    "meninggal": "AKTA-KEMATIAN/2026/0007",
    "pindah": "SURAT-PINDAH/2026/0113",
    "ganda": "BA-VERIFIKASI/2026/0021",
    "tidak_ditemukan": "BA-KUNJUNGAN/2026/0045",
    "mampu": "BA-MUSKEL/2026/0009",
}


def _csv_rows(city: CityFiles) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(city.proposals.decode())))


@dataclass
class Reconciled:
    """A findings file (one row per reason) applied until all left and were replaced."""

    leaving: list[Outcome]
    replacements: list[str]  # participant ids, best priority first
    run_id: str
    report: dict[str, Any]
    content: bytes  # the findings file, to upload again


@pytest.fixture(scope="module")
async def reconciled(
    settled: list[tuple[dict[str, Any], Outcome]],
    urls: dict[str, str],
    city: CityFiles,
    callers: Callers,
) -> Reconciled:
    quota = city.manifest["quota"]
    activated = [(row, o) for row, o in settled if o.state == "activated"]
    assert len(activated) == quota
    leaving = activated[: len(FINDINGS)]
    lines = _csv_rows(city)  # manifest row i is the CSV's i-th data row
    findings = [
        {
            "nik": lines[row["row"] - 1]["nik"],
            "reason": reason,
            "evidence_ref": evidence,
            "officer": "Lurah Talang Banjar",
            "kelurahan": lines[row["row"] - 1]["kelurahan"],
        }
        for (row, _), (reason, evidence) in zip(leaving, FINDINGS.items(), strict=True)
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(findings[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(findings)
    content = out.getvalue().encode()

    async with httpx.AsyncClient(timeout=30) as client:
        waiting = (
            await client.get(f"{urls['verification']}/waiting-list", auth=callers.verifier)
        ).json()
        ranked = sorted(waiting, key=lambda w: w["position"])
        best = [w["participant_id"] for w in ranked[: len(FINDINGS)]]
        assert len(best) == len(FINDINGS), "the demo batch waits more residents than leave"
        # a Dinsos officer uploads the kelurahan's findings (they span several kelurahan)
        upload = await client.post(
            f"{urls['enrollment']}/reconciliation/findings",
            files={"file": ("temuan.csv", content)},
            auth=callers.officer,
        )
        assert upload.status_code == 201, upload.text
        assert upload.json()["preview"]["deactivations"] == len(FINDINGS)
        run_id = upload.json()["run_id"]
        # nothing is asked until a second Dinsos officer approves the preview
        approved = await client.post(
            f"{urls['enrollment']}/reconciliation/runs/{run_id}/approve", auth=callers.approver
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["requests_emitted"] == len(FINDINGS)

        async def bpjs(pid: str) -> dict[str, Any]:
            answer = await client.get(
                f"{urls['bpjs-gateway']}/participants/{pid}", auth=callers.bpjs_desk
            )
            return dict(answer.json()) if answer.status_code == 200 else {}

        async def all_deactivated() -> list[dict[str, Any]]:
            states = [await bpjs(o.participant_id) for _, o in leaving]
            return states if all(s.get("status") == "deactivated" for s in states) else []

        await eventually(all_deactivated, timeout=60)

        async def replacements_active() -> list[dict[str, Any]]:
            states = [await bpjs(pid) for pid in best]
            return states if all(s.get("status") == "active" for s in states) else []

        await eventually(replacements_active, timeout=60)

        async def report_complete() -> dict[str, Any]:
            report = (
                await client.get(
                    f"{urls['enrollment']}/reconciliation/runs/{run_id}", auth=callers.officer
                )
            ).json()
            done = report["applied"]["deactivated"] == len(FINDINGS) and report["replacements"][
                "count"
            ] == len(FINDINGS)
            return dict(report) if done else {}

        report = await eventually(report_complete, timeout=60)
    return Reconciled([o for _, o in leaving], best, run_id, report, content)


async def test_two_reported_residents_leave_and_the_two_best_waiting_take_their_slots(
    reconciled: Reconciled, urls: dict[str, str], city: CityFiles, callers: Callers
) -> None:
    quota = city.manifest["quota"]
    report, best, run_id = reconciled.report, reconciled.replacements, reconciled.run_id
    ends = deactivation_effective_date(date.today())
    async with httpx.AsyncClient(timeout=30) as client:
        for o in reconciled.leaving:
            state = await client.get(
                f"{urls['bpjs-gateway']}/participants/{o.participant_id}", auth=callers.bpjs_desk
            )
            assert (state.json()["status"], state.json()["effective_date"]) == (
                "deactivated",
                ends.isoformat(),
            )
        for pid in best:
            state = await client.get(
                f"{urls['bpjs-gateway']}/participants/{pid}", auth=callers.bpjs_desk
            )
            assert state.json()["status"] == "active"
        n = len(FINDINGS)
        assert report["kind"] == "findings"
        assert report["rows"] == {"read": n, "valid": n, "invalid": 0}
        assert report["requests"]["by_reason"] == dict.fromkeys(FINDINGS, 1)
        assert sum(report["requests"]["by_kelurahan"].values()) == n
        assert report["applied"]["by_effective_date"] == {ends.isoformat(): n}
        assert sorted(report["replacements"]["participants"]) == sorted(best)
        assert report["quota"]["before"] == {"used": quota, "total": quota}
        assert report["quota"]["after"] == {"used": quota, "total": quota}

        again = await client.post(
            f"{urls['enrollment']}/reconciliation/findings",
            files={"file": ("temuan.csv", reconciled.content)},
            auth=callers.officer,
        )
        assert again.status_code == 200
        assert again.json()["already_applied"] is True
        assert again.json()["run_id"] == run_id


def _traces_of(spans: SpanCollector, pid: str) -> dict[str, set[str]]:
    """Trace id -> names of the spans tagged with this participant."""
    traces: dict[str, set[str]] = {}
    for s in spans.snapshot():
        if s.get("tags", {}).get("jkn.participant_id") == pid:
            traces.setdefault(s["traceId"], set()).add(s["name"])
    return traces


def _participants_in(spans: SpanCollector, trace_id: str) -> set[str]:
    return {
        s["tags"]["jkn.participant_id"]
        for s in spans.snapshot()
        if s["traceId"] == trace_id and "jkn.participant_id" in s.get("tags", {})
    }


async def test_a_resident_admitted_from_the_waiting_list_goes_on_in_their_own_trace(
    reconciled: Reconciled, spans: SpanCollector
) -> None:
    for pid in reconciled.replacements:

        async def admitted_and_told(pid: str = pid) -> dict[str, set[str]]:
            traces = _traces_of(spans, pid)
            names = set().union(*traces.values()) if traces else set()
            wanted = {"admitted from the waiting list", "proposal imported"}
            return traces if wanted <= names and any(n.startswith("notify ") for n in names) else {}

        traces = await eventually(admitted_and_told, timeout=30)
        assert len(traces) == 1, f"registration, waiting, admission, activation: one trace {traces}"
        (trace_id,) = traces
        assert _participants_in(spans, trace_id) == {pid}, "not the leaving resident's trace"


async def test_a_deactivation_is_a_trace_of_its_own_per_resident(
    reconciled: Reconciled, spans: SpanCollector
) -> None:
    for leaving in reconciled.leaving:
        pid = leaving.participant_id

        async def deactivation_traced(pid: str = pid) -> str:
            traces = _traces_of(spans, pid)
            found = [t for t, names in traces.items() if "deactivation requested" in names]
            return found[0] if found else ""

        trace_id = await eventually(deactivation_traced, timeout=30)
        assert "proposal imported" not in _traces_of(spans, pid)[trace_id]
        assert _participants_in(spans, trace_id) == {pid}


async def test_each_leaving_resident_and_their_kelurahan_are_told_when_it_takes_effect(
    reconciled: Reconciled, urls: dict[str, str], callers: Callers
) -> None:
    ends = deactivation_effective_date(date.today())
    async with httpx.AsyncClient(timeout=30) as client:
        for o in reconciled.leaving:

            async def told(pid: str = o.participant_id) -> list[dict[str, Any]]:
                answer = await client.get(
                    f"{urls['notifications']}/messages",
                    params={"participant_id": pid},
                    auth=callers.agent,
                )
                found = answer.json()["messages"]
                templates = {m["template"] for m in found}
                wanted = {"participant_deactivated", "deactivation_requested_kelurahan"}
                return found if wanted <= templates else []

            messages = {m["template"]: m for m in await eventually(told, timeout=30)}
            resident = messages["participant_deactivated"]
            assert resident["status"] == "sent"
            assert f"berakhir mulai {format_date(ends)}" in resident["body"]
            assert messages["deactivation_requested_kelurahan"]["status"] == "sent"


async def test_the_agencies_agree_on_every_resident_after_the_reconciliation(
    reconciled: Reconciled, stack: Stack
) -> None:
    """Leavers deactivated everywhere, newcomers active everywhere (jkn_demo.invariants)."""
    report = await agencies_check(stack)
    assert report.settled, report.text()
    assert report.residents > 0
    assert report.divergences == [], report.text()
