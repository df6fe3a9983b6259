"""Kelurahan findings files: each valid row about a participant becomes a deactivation
request once a second officer approves the run; the same file again changes nothing; bad
rows are reported by line."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from integration.enrollment.residents import KELURAHAN, resident
from integration.reconciliation.conftest import BOOTSTRAP
from integration.reconciliation.helpers import FINDINGS_COLUMNS, approve, csv_of, enrol, requests
from jkn_bus import ServiceRuntime
from jkn_contracts import DeactivationReason
from support.polling import eventually

pytestmark = pytest.mark.infra

REASONS = ("meninggal", "pindah", "ganda", "tidak_ditemukan", "mampu")


def finding(n: int, reason: str, **changes: Any) -> dict[str, Any]:
    return {
        "nik": resident(n)["nik"],
        "reason": reason,
        "evidence_ref": f"BA-{n}/2026",
        "officer": "Lurah Talang Banjar",
        "kelurahan": KELURAHAN,
        **changes,
    }


async def _requests_of(prefix: str, pids: set[str], expect: int) -> list[Any]:
    async def arrived() -> list[Any]:
        found = [e for e in await requests(BOOTSTRAP, prefix) if e.participant_id in pids]
        return found if len(found) >= expect else []

    return await eventually(arrived, timeout=30)


async def test_every_reason_of_a_findings_file_becomes_a_deactivation_request_with_it(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
) -> None:
    pids = await enrol(runtime, [1, 2], "activated")
    pids |= await enrol(runtime, [3], "verified")
    pids |= await enrol(runtime, [4], "waitlisted")
    pids |= await enrol(runtime, [5], "registered")
    rows = [finding(n, reason) for n, reason in zip(range(1, 6), REASONS, strict=True)]

    answer = await client.post(
        "/reconciliation/findings",
        content=csv_of(FINDINGS_COLUMNS, rows),
        headers={"content-type": "text/csv"},
    )

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["already_applied"] is False
    assert body["rows"] == {"read": 5, "valid": 5, "invalid": 0}
    assert body["requests_emitted"] == 0
    assert body["preview"]["deactivations"] == 5
    assert (await approve(approver, body["run_id"]))["requests_emitted"] == 5
    run_id = uuid.UUID(body["run_id"])
    emitted = await _requests_of(topic_prefix, set(pids.values()), 5)
    by_pid = {e.participant_id: e for e in emitted}
    assert len(emitted) == 5
    for n, reason in zip(range(1, 6), REASONS, strict=True):
        event = by_pid[pids[n]]
        assert event.payload.reason is DeactivationReason(reason)
        assert event.payload.evidence_ref == f"BA-{n}/2026"
        assert event.payload.reported_by == "Lurah Talang Banjar"
        assert event.payload.kelurahan == KELURAHAN
        assert event.payload.run_id == run_id
        assert event.correlation_id == run_id
    report = (await client.get(f"/reconciliation/runs/{run_id}")).json()
    assert report["kind"] == "findings"
    assert report["requests"]["by_reason"] == dict.fromkeys(REASONS, 1)
    assert report["requests"]["by_kelurahan"] == {KELURAHAN: 5}


async def test_the_same_file_uploaded_again_changes_nothing_and_says_so(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
) -> None:
    pids = await enrol(runtime, [11, 12], "activated")
    content = csv_of(FINDINGS_COLUMNS, [finding(11, "pindah"), finding(12, "ganda")])
    first = await client.post("/reconciliation/findings", files={"file": ("f.csv", content)})
    assert first.status_code == 201, first.text
    await approve(approver, first.json()["run_id"])
    await _requests_of(topic_prefix, set(pids.values()), 2)

    # Re-saved by a spreadsheet: LF line ends, a BOM, a trailing blank line. Same file.
    resaved = b"\xef\xbb\xbf" + content.replace(b"\r\n", b"\n") + b"\n\n"
    again = await client.post(
        "/reconciliation/findings", content=resaved, headers={"content-type": "text/csv"}
    )

    assert again.status_code == 200
    assert again.json()["run_id"] == first.json()["run_id"]
    assert again.json()["already_applied"] is True
    assert again.json()["status"] == "completed"
    await asyncio.sleep(2)  # the relay publishes within a fraction of that
    emitted = [
        e for e in await requests(BOOTSTRAP, topic_prefix) if e.participant_id in pids.values()
    ]
    assert len(emitted) == 2
    runs = (await client.get("/reconciliation/runs")).json()["runs"]
    assert [r["run_id"] for r in runs].count(first.json()["run_id"]) == 1


async def test_invalid_rows_are_reported_by_line_field_and_rule_and_the_valid_ones_applied(
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
) -> None:
    pids = await enrol(runtime, [21, 22], "activated")
    await enrol(runtime, [23], "rejected")
    rows = [
        finding(21, "meninggal"),  # line 2: applied
        finding(22, "naik haji"),  # line 3: reason
        finding(22, "pindah", nik="15710112"),  # line 4: NIK format
        finding(22, "pindah", officer=""),  # line 5: officer required
        finding(24, "mampu"),  # line 6: not proposed at all
        finding(23, "mampu"),  # line 7: rejected: not a participant
        finding(21, "pindah"),  # line 8: same NIK as line 2
        finding(22, "pindah", kelurahan="15710"),  # line 9: kelurahan format
    ]

    answer = await client.post(
        "/reconciliation/findings",
        content=csv_of(FINDINGS_COLUMNS, rows),
        headers={"content-type": "text/csv"},
    )

    assert answer.status_code == 201, answer.text
    body = answer.json()
    errors = {(e["line"], e["field"], e["rule"]) for e in body["errors"]}
    assert errors == {
        (3, "reason", "REASON_VALUE"),
        (4, "nik", "NIK_FORMAT"),
        (5, "officer", "REQUIRED"),
        (6, "nik", "NOT_A_PARTICIPANT"),
        (7, "nik", "NOT_A_PARTICIPANT"),
        (8, "nik", "DUPLICATE_IN_FILE"),
        (9, "kelurahan", "KELURAHAN_FORMAT"),
    }
    assert next(e for e in body["errors"] if e["line"] == 8)["first_line"] == 2
    assert body["preview"]["participants"] == [pids[21]]
    assert (await approve(approver, body["run_id"]))["requests_emitted"] == 1
    assert resident(24)["nik"] not in answer.text
    stored = (await client.get(f"/reconciliation/runs/{body['run_id']}/errors")).json()
    assert {(e["line"], e["field"], e["rule"]) for e in stored["errors"]} == errors
    emitted = await _requests_of(topic_prefix, set(pids.values()), 1)
    assert [(e.participant_id, e.payload.reason.value) for e in emitted] == [
        (pids[21], "meninggal")
    ]


async def test_a_file_whose_header_is_wrong_is_refused_whole(client: httpx.AsyncClient) -> None:
    content = b"nik;alasan;officer\n1571010101900001;meninggal;x\n"

    answer = await client.post(
        "/reconciliation/findings", content=content, headers={"content-type": "text/csv"}
    )

    assert answer.status_code == 422
    rules = {(e["field"], e["rule"]) for e in answer.json()["errors"]}
    assert ("column_2", "UNKNOWN_COLUMN") in rules  # by position: never a value
    assert ("reason", "MISSING_COLUMN") in rules
    runs = (await client.get("/reconciliation/runs")).json()["runs"]
    assert all(r["rows_read"] != 1 for r in runs)
