"""A deactivation that meets BPJS's registration, end to end (docs/domain.md#withdrawal-races).

The observed race: a resident admitted from the waiting list is reported by the kelurahan
while the gateway registers them. Driven here in both delivery orders — the request reaching
Dinkes before BPJS's activation (BPJS made unavailable so the tambah waits), and after it —
and as one reconciliation run naming both a leaving participant and the resident their
slot admits. Each ends with the resident deactivated at BPJS, and the agencies agree on
every resident (jkn_demo.invariants, by the simulator's register and by VClaim by NIK)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import running_city
from jkn_demo.callers import Callers
from jkn_demo.journey import Outcome
from jkn_demo.scenario import CityFiles, propose_and_follow, seed_bpjs
from jkn_demo.stack import COMPONENTS, Stack
from support.invariants import agencies_check
from support.polling import eventually
from support.spans import SpanCollector

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PORT_OFFSET = 19000  # ports below 32768, Linux's ephemeral range


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    run_dir = Path(tmp_path_factory.mktemp("run"))
    async with running_city(
        city,
        spans,
        run_dir,
        port_offset=PORT_OFFSET,
        tag="e2w",
        ENROLLMENT_MAX_DEACTIVATION_SHARE="0.5",
        # the tambah waiting out a BPJS outage is retried soon after it ends
        BPJS_RETRY_MAX_S="2",
        BPJS_BREAKER_COOLDOWN_S="2",
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
def urls(stack: Stack) -> dict[str, str]:
    return {c.name: stack.url(c.name) for c in COMPONENTS}


@pytest.fixture(scope="module")
async def settled(
    urls: dict[str, str], city: CityFiles, callers: Callers
) -> dict[str, tuple[dict[str, Any], Outcome]]:
    """The demo batch, settled: each resident's manifest row and outcome, by participant."""
    async with httpx.AsyncClient(timeout=120) as client:  # a shared, busy machine
        await seed_bpjs(client, urls["bpjs-sim"], city)
        _, followed = await propose_and_follow(client, urls, city, callers=callers, timeout=240)
    assert all(o.settled for _, o in followed)
    return {o.participant_id: (row, o) for row, o in followed}


class City:
    """The stack as the tests act on it: Dinsos's findings, Dinkes's and the gateway's views."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        urls: dict[str, str],
        city: CityFiles,
        callers: Callers,
        settled: dict[str, tuple[dict[str, Any], Outcome]],
    ) -> None:
        self.client, self.urls, self.callers, self.settled = client, urls, callers, settled
        self.lines = list(csv.DictReader(io.StringIO(city.proposals.decode())))

    async def report(self, *leaving: tuple[str, str]) -> None:
        """A kelurahan's findings about ``(participant_id, reason)``, uploaded and approved."""
        out = io.StringIO()
        fields = ["nik", "reason", "evidence_ref", "officer", "kelurahan"]
        writer = csv.DictWriter(out, fieldnames=fields, delimiter=";")
        writer.writeheader()
        for n, (pid, reason) in enumerate(leaving):
            line = self.lines[self.settled[pid][0]["row"] - 1]
            writer.writerow({
                "nik": line["nik"], "reason": reason, "evidence_ref": f"BA-RACE/{pid[-6:]}/{n}",
                "officer": "Lurah Talang Banjar", "kelurahan": line["kelurahan"],
            })  # fmt: skip
        upload = await self.client.post(
            f"{self.urls['enrollment']}/reconciliation/findings",
            files={"file": ("temuan.csv", out.getvalue().encode())},
            auth=self.callers.officer,
        )
        assert upload.status_code == 201, upload.text
        run_id = upload.json()["run_id"]
        approved = await self.client.post(
            f"{self.urls['enrollment']}/reconciliation/runs/{run_id}/approve",
            auth=self.callers.approver,
        )
        assert approved.status_code == 200, approved.text

    async def first_waiting(self) -> str:
        answer = await self.client.get(
            f"{self.urls['verification']}/waiting-list", auth=self.callers.verifier
        )
        ranked = sorted(answer.json(), key=lambda w: w["position"])
        assert ranked, "the demo batch waits more residents than these tests admit"
        return str(ranked[0]["participant_id"])

    async def dinkes(self, pid: str) -> str:
        answer = await self.client.get(
            f"{self.urls['verification']}/decisions/{pid}", auth=self.callers.verifier
        )
        return str(answer.json()["latest"]["status"]) if answer.status_code == 200 else ""

    async def gateway(self, pid: str) -> str:
        answer = await self.client.get(
            f"{self.urls['bpjs-gateway']}/participants/{pid}", auth=self.callers.bpjs_desk
        )
        return str(answer.json()["status"]) if answer.status_code == 200 else ""

    async def until(self, look: str, pid: str, *wanted: str, within: float = 120) -> str:
        async def reached() -> str:
            found = await getattr(self, look)(pid)
            return str(found) if found in wanted else ""

        return await eventually(reached, timeout=within)

    async def told(self, pid: str) -> list[str]:
        answer = await self.client.get(
            f"{self.urls['notifications']}/messages",
            params={"participant_id": pid},
            auth=self.callers.agent,
        )
        return [m["template"] for m in answer.json()["messages"]]

    def activated(self) -> list[str]:
        return [pid for pid, (_, o) in self.settled.items() if o.state == "activated"]


@pytest.fixture
async def town(
    urls: dict[str, str],
    city: CityFiles,
    callers: Callers,
    settled: dict[str, tuple[dict[str, Any], Outcome]],
) -> AsyncIterator[City]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield City(client, urls, city, callers, settled)


async def agree(stack: Stack) -> None:
    """0 divergences, by the simulator's register and by VClaim's look-up by NIK."""
    for vclaim in (False, True):
        report = await agencies_check(stack, vclaim=vclaim)
        assert report.settled, report.text()
        assert report.residents > 0
        assert report.divergences == [], report.text()


async def test_a_withdrawal_reaching_dinkes_before_the_activation(town: City, stack: Stack) -> None:
    leaving, admitted = town.activated()[0], await town.first_waiting()
    sim = town.urls["bpjs-sim"]
    (await town.client.post(f"{sim}/_sim/faults", json={"http_500_rate": 1.0})).raise_for_status()
    try:
        await town.report((leaving, "pindah"))
        await town.until("dinkes", admitted, "verified")  # admitted; its tambah cannot go through
        await town.report((admitted, "meninggal"))
        await town.until("dinkes", admitted, "withdrawing")
        assert await town.gateway(admitted) != "active"
    finally:
        (await town.client.delete(f"{sim}/_sim/faults")).raise_for_status()

    await town.until("gateway", admitted, "deactivated", within=180)
    await town.until("gateway", leaving, "deactivated")
    assert await town.until("dinkes", admitted, "deactivated") == "deactivated"
    await agree(stack)

    async def ended() -> list[str]:
        told = await town.told(admitted)
        return told if "participant_deactivated" in told else []

    told = await eventually(ended, timeout=60)
    assert "verification_rejected" not in told
    assert "participant_activated" not in told, "the leaving undoes it: not announced"


async def test_a_withdrawal_reaching_dinkes_after_the_activation(town: City, stack: Stack) -> None:
    leaving, admitted = town.activated()[1], await town.first_waiting()
    await town.report((leaving, "mampu"))
    await town.until("gateway", admitted, "active")
    await town.until("dinkes", admitted, "active")
    await town.report((admitted, "ganda"))
    await town.until("gateway", admitted, "deactivated")
    await town.until("dinkes", admitted, "deactivated")
    await agree(stack)
    assert "verification_rejected" not in await town.told(admitted)


async def test_a_reconciliation_run_naming_the_resident_a_release_admits(
    town: City, stack: Stack
) -> None:
    """One run: an active participant and the first in line, whom that release admits. The
    two requests are handled in either order; both end out of the program everywhere."""
    leaving, next_in_line = town.activated()[2], await town.first_waiting()
    await town.report((leaving, "tidak_ditemukan"), (next_in_line, "pindah"))
    await town.until("gateway", leaving, "deactivated")
    # withdrawn from the line, or admitted, activated and removed: never left active
    await town.until("dinkes", next_in_line, "rejected", "deactivated", within=180)
    await agree(stack)
