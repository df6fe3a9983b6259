"""BPJS-side changes become deactivation requests; the agencies' answers fill the report."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import date

import httpx
import pytest
from integration.enrollment.residents import KELURAHAN, resident
from integration.reconciliation.conftest import BOOTSTRAP
from integration.reconciliation.helpers import FINDINGS_COLUMNS, approve, csv_of, enrol, requests
from jkn_bus import ServiceRuntime
from jkn_contracts import (
    EventBase,
    Membership,
    ParticipantDeactivated,
    ParticipantVerified,
    PesertaStatusChanged,
    RejectionReason,
    Resident,
    SlotReleased,
    VerificationRejected,
)
from jkn_contracts.events import (
    DeactivatedPayload,
    PesertaStatusChangedPayload,
    RejectedPayload,
    SlotReleasedPayload,
)
from support.kafka import produce
from support.polling import eventually
from support.sealed import sealed_event

pytestmark = pytest.mark.infra

PBI_APBD_AKTIF = Membership(
    no_kartu="0001234567890",
    jenis_peserta_kode="22",
    jenis_peserta="PBI (APBD)",
    status_kode="0",
    status="AKTIF",
)


def changed(pid: str, **current: str) -> PesertaStatusChanged:
    return PesertaStatusChanged(
        participant_id=pid,
        correlation_id=uuid.uuid4(),
        payload=PesertaStatusChangedPayload(
            previous=PBI_APBD_AKTIF, current=PBI_APBD_AKTIF.model_copy(update=current)
        ),
    )


async def publish(prefix: str, topic: str, *events: EventBase) -> None:
    await produce(
        BOOTSTRAP,
        prefix + topic,
        [(e.participant_id.encode(), e.model_dump_json().encode()) for e in events],
    )


async def test_a_death_recorded_at_bpjs_leads_to_one_meninggal_request(
    runtime: ServiceRuntime, topic_prefix: str
) -> None:
    pids = await enrol(runtime, [301], "activated")
    died = changed(pids[301], status_kode="2", status="Meninggal")
    seen_again = changed(pids[301], status_kode="2", status="Meninggal")

    await publish(topic_prefix, "jkn.bpjs.participants", died, died, seen_again)

    async def asked() -> list:  # type: ignore[type-arg]
        return [e for e in await requests(BOOTSTRAP, topic_prefix) if e.participant_id == pids[301]]

    [request] = await eventually(asked, timeout=30)
    assert request.payload.reason.value == "meninggal"
    assert request.payload.evidence_ref == "BPJS:statusPeserta=2"
    assert request.payload.reported_by == "bpjs-sync"
    assert request.payload.run_id is None
    assert request.payload.kelurahan == KELURAHAN
    assert request.causation_id == died.event_id
    await asyncio.sleep(2)
    assert len(await asked()) == 1


async def test_a_move_to_another_segment_leads_to_pindah_segmen_and_arrears_to_nothing(
    runtime: ServiceRuntime, topic_prefix: str
) -> None:
    pids = await enrol(runtime, [302, 303], "activated")
    to_ppu = changed(pids[302], jenis_peserta_kode="13", jenis_peserta="PEGAWAI SWASTA")
    arrears = changed(pids[303], status_kode="9", status="NON AKTIF KARNA PREMI")

    await publish(topic_prefix, "jkn.bpjs.participants", arrears, to_ppu)

    async def asked() -> list:  # type: ignore[type-arg]
        every = await requests(BOOTSTRAP, topic_prefix)
        return [e for e in every if e.participant_id in (pids[302], pids[303])]

    [request] = await eventually(asked, timeout=30)
    assert request.participant_id == pids[302]
    assert request.payload.reason.value == "pindah_segmen"
    assert request.payload.evidence_ref == "BPJS:jenisPeserta=13"


def _resident(n: int) -> Resident:
    return Resident(**{k: v for k, v in resident(n).items() if k in Resident.model_fields and v})


async def test_the_run_report_follows_releases_deactivations_and_replacements(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
) -> None:
    leaving = await enrol(runtime, [311, 312], "activated")
    waiting = await enrol(runtime, [313, 314], "waitlisted")
    rows = [
        {
            "nik": resident(n)["nik"],
            "reason": reason,
            "evidence_ref": f"BA-{n}",
            "officer": "Lurah",
            "kelurahan": KELURAHAN,
        }
        for n, reason in ((311, "meninggal"), (312, "pindah"))
    ]
    run_id = (
        await client.post(
            "/reconciliation/findings",
            content=csv_of(FINDINGS_COLUMNS, rows),
            headers={"content-type": "text/csv"},
        )
    ).json()["run_id"]
    await approve(approver, run_id)

    async def asked() -> dict:  # type: ignore[type-arg]
        found = {
            e.participant_id: e
            for e in await requests(BOOTSTRAP, topic_prefix)
            if str(e.payload.run_id) == run_id
        }
        return found if len(found) == 2 else {}

    asked_for = await eventually(asked, timeout=30)
    # What Dinkes and BPJS answer; BPJS's answer is published before Dinkes's is read.
    outcomes: list[EventBase] = []
    dinkes: list[EventBase] = []
    for (n, pid), (m, waiter), used in zip(leaving.items(), waiting.items(), (9, 9), strict=True):
        request = asked_for[pid]
        slot = SlotReleased(
            participant_id=pid,
            correlation_id=request.correlation_id,
            causation_id=request.event_id,
            payload=SlotReleasedPayload(
                reason=request.payload.reason, quota_used=used, quota_total=10
            ),
        )
        admitted = sealed_event(
            ParticipantVerified,
            participant_id=waiter,
            correlation_id=uuid.uuid4(),
            causation_id=request.event_id,
            personal=_resident(m).model_dump(),
            payload={
                "proposal_id": uuid.uuid4(),
                "budget_year": 2026,
                "admitted_from_waitlist": True,
            },
        )
        gone = ParticipantDeactivated(
            participant_id=pid,
            correlation_id=request.correlation_id,
            causation_id=slot.event_id,
            payload=DeactivatedPayload(
                no_kartu=f"000123456{n:04d}",
                reason=request.payload.reason,
                effective_date=date(2026, 12, 1),
            ),
        )
        dinkes += [slot, admitted]
        outcomes.append(gone)
    await publish(topic_prefix, "jkn.bpjs.participants", *outcomes)
    await publish(topic_prefix, "jkn.dinkes.verifications", *dinkes)

    async def complete() -> dict:  # type: ignore[type-arg]
        report = (await client.get(f"/reconciliation/runs/{run_id}")).json()
        done = report["applied"]["deactivated"] == 2 and report["replacements"]["count"] == 2
        return report if done else {}

    report = await eventually(complete, timeout=30)
    assert report["applied"]["by_reason"] == {"meninggal": 1, "pindah": 1}
    assert report["applied"]["by_effective_date"] == {"2026-12-01": 2}
    assert sorted(report["replacements"]["participants"]) == sorted(waiting.values())
    assert report["quota"]["before"] == {"used": 10, "total": 10}
    assert report["quota"]["after"] == {"used": 10, "total": 10}
    assert report["slots_released"] == 2
    download = await client.get(f"/reconciliation/runs/{run_id}", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(download.text)))
    assert {(r["participant_id"], r["deactivated"], r["effective_date"]) for r in lines} == {
        (leaving[311], "yes", "2026-12-01"),
        (leaving[312], "yes", "2026-12-01"),
    }
    assert resident(311)["nik"] not in download.text


async def test_a_waiting_resident_reported_by_the_kelurahan_is_reported_withdrawn(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
) -> None:
    pid = (await enrol(runtime, [321], "waitlisted"))[321]
    finding = {"nik": resident(321)["nik"], "reason": "ganda", "evidence_ref": "BA-321",
               "officer": "Lurah", "kelurahan": KELURAHAN}  # fmt: skip
    run_id = (
        await client.post(
            "/reconciliation/findings",
            content=csv_of(FINDINGS_COLUMNS, [finding]),
            headers={"content-type": "text/csv"},
        )
    ).json()["run_id"]
    await approve(approver, run_id)

    async def asked() -> list[EventBase]:
        return [
            e for e in await requests(BOOTSTRAP, topic_prefix) if str(e.payload.run_id) == run_id
        ]

    [request] = await eventually(asked, timeout=30)
    proposal_id = await runtime.pool.fetchval(
        "SELECT proposal_id FROM proposals WHERE participant_id = $1", pid
    )
    # Dinkes: the proposal held no slot, so it is withdrawn rather than deactivated
    withdrawn = VerificationRejected(
        participant_id=pid,
        correlation_id=request.correlation_id,
        causation_id=request.event_id,
        payload=RejectedPayload(
            proposal_id=proposal_id,
            reasons=[RejectionReason(code="WITHDRAWN_GANDA", message="Usulan dibatalkan.")],
        ),
    )
    await publish(topic_prefix, "jkn.dinkes.verifications", withdrawn)

    async def settled() -> dict:  # type: ignore[type-arg]
        report = (await client.get(f"/reconciliation/runs/{run_id}")).json()
        return report if report["applied"]["withdrawn"] == 1 else {}

    report = await eventually(settled, timeout=30)
    assert (report["applied"]["deactivated"], report["slots_released"]) == (0, 0)
    download = await client.get(f"/reconciliation/runs/{run_id}", params={"format": "csv"})
    [line] = list(csv.DictReader(io.StringIO(download.text)))
    assert (line["participant_id"], line["withdrawn"], line["deactivated"]) == (pid, "yes", "no")
    status = await runtime.pool.fetchval(
        "SELECT status FROM proposals WHERE proposal_id = $1", proposal_id
    )
    assert status == "rejected"  # over: the resident may be proposed again
