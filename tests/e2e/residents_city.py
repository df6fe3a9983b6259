"""Residents of the demo city brought, through the real system, to each state the residents'
pages must explain: active, waitlisted, rejected, deactivated.

The quota is two: the first two eligible residents are activated, the next two wait; a
resident the civil registry lists as dead is rejected; one active resident is reported as
moved away by a findings file that a second Dinsos officer approves, so BPJS deactivates
them and the better-ranked waiting resident takes the slot, the other keeps waiting."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
from jkn_demo.callers import Callers
from jkn_demo.scenario import CityFiles
from support.polling import eventually

__all__ = ["Resident", "bring_residents"]


@dataclass(frozen=True)
class Resident:
    proposal_id: str
    receipt_code: str
    participant_id: str
    nik: str = ""
    birth_date: str = ""


def _rows(city: CityFiles, category: str) -> list[dict[str, str]]:
    lines = list(csv.DictReader(io.StringIO(city.proposals.decode())))
    return [lines[r["row"] - 1] for r in city.manifest["rows"] if r["category"] == category]


async def _propose(
    client: httpx.AsyncClient, enrollment: str, callers: Callers, row: dict[str, str]
) -> Resident:
    answer = await client.post(
        f"{enrollment}/proposals",
        json={**row, "proposed_by": "petugas-dinsos-1"},
        auth=callers.officer,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    return Resident(
        body["proposal_id"], body["receipt_code"], body["participant_id"],
        row["nik"], row["birth_date"],
    )  # fmt: skip


async def _status(client: httpx.AsyncClient, enrollment: str, r: Resident) -> dict[str, Any]:
    asked = {"receipt_code": r.receipt_code, "birth_date": r.birth_date}
    answer = await client.post(f"{enrollment}/proposals/status", json=asked)
    return dict(answer.json()) if answer.status_code == 200 else {}


async def _until(
    client: httpx.AsyncClient, enrollment: str, residents: list[Resident], status: str
) -> None:
    async def reached() -> bool:
        states = [(await _status(client, enrollment, r)).get("status") for r in residents]
        return all(s == status for s in states)

    await eventually(reached, timeout=90)


async def bring_residents(
    client: httpx.AsyncClient, urls: dict[str, str], city: CityFiles, callers: Callers
) -> dict[str, Resident]:
    """``active``, ``waitlisted``, ``rejected``, ``deactivated``: one resident each."""
    enrollment = urls["enrollment"]
    eligible, dead = _rows(city, "eligible"), _rows(city, "dead")
    first = [await _propose(client, enrollment, callers, row) for row in eligible[:2]]
    await _until(client, enrollment, first, "activated")
    waiting = [await _propose(client, enrollment, callers, row) for row in eligible[2:4]]
    rejected = await _propose(client, enrollment, callers, dead[0])
    await _until(client, enrollment, waiting, "waitlisted")
    await _until(client, enrollment, [rejected], "rejected")

    leaving, staying = first
    findings = io.StringIO()
    writer = csv.writer(findings, delimiter=";")
    writer.writerow(["nik", "reason", "evidence_ref", "officer", "kelurahan"])
    row = eligible[0]
    writer.writerow([row["nik"], "pindah", "SURAT-PINDAH/2026/0113", "Lurah", row["kelurahan"]])
    upload = await client.post(
        f"{enrollment}/reconciliation/findings",
        files={"file": ("temuan.csv", findings.getvalue().encode())},
        auth=callers.officer,
    )
    assert upload.status_code == 201, upload.text
    approved = await client.post(
        f"{enrollment}/reconciliation/runs/{upload.json()['run_id']}/approve",
        auth=callers.approver,
    )
    assert approved.status_code == 200, approved.text
    await _until(client, enrollment, [leaving], "deactivated")

    async def one_admitted() -> list[Resident]:
        states = {r: (await _status(client, enrollment, r)).get("status") for r in waiting}
        still = [r for r, s in states.items() if s == "waitlisted"]
        return still if len(still) == 1 and "activated" in states.values() else []

    still_waiting = (await eventually(one_admitted, timeout=90))[0]
    return {
        "active": staying,
        "waitlisted": still_waiting,
        "rejected": rejected,
        "deactivated": leaving,
    }
