"""Participants set up directly in enrollment's tables, and the events read back."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import httpx
from enrollment.adapters.proposals import insert_many
from enrollment.app.proposals import new_proposal
from enrollment.domain import Proposal
from integration.enrollment.residents import resident
from jkn_bus import ServiceRuntime
from jkn_contracts import AnyEvent, DeactivationRequested, ProposalSource, parse_event
from support.kafka import read_topic

FINDINGS_COLUMNS = ("nik", "reason", "evidence_ref", "officer", "kelurahan")
SNAPSHOT_COLUMNS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "welfare_decile")


async def enrol(runtime: ServiceRuntime, numbers: Sequence[int], status: str) -> dict[int, str]:
    """Proposals for residents ``numbers`` standing at ``status``: {n: participant_id}."""
    news = []
    for n in numbers:
        r = resident(n)
        news.append(
            new_proposal(
                Proposal(
                    nik=r["nik"],
                    kk=r["kk"],
                    name=r["name"],
                    sex=r["sex"],
                    birth_date=date.fromisoformat(r["birth_date"]),
                    kelurahan=r["kelurahan"],
                    source=ProposalSource.DTKS,
                    welfare_decile=2,
                ),
                proposed_by="test",
                pseudonym_key=runtime.settings.jkn_pseudonym_key,
                receipt_key="test-receipt-key",
            )
        )
    async with runtime.pool.acquire() as conn, conn.transaction():
        await insert_many(conn, news)
        await conn.execute(
            "UPDATE proposals SET status = $2 WHERE proposal_id = ANY($1::uuid[])",
            [p.proposal_id for p in news],
            status,
        )
    return {n: p.participant_id for n, p in zip(numbers, news, strict=True)}


def csv_of(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def events(bootstrap: str, topic: str, expect: int = 1) -> list[AnyEvent]:
    return [parse_event(r.value) for r in await read_topic(bootstrap, topic, expect=expect)]


async def approve(approver: httpx.AsyncClient, run_id: str | uuid.UUID) -> dict[str, Any]:
    """A second Dinsos officer approves the previewed run: its requests are sent."""
    answer = await approver.post(f"/reconciliation/runs/{run_id}/approve")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def requests(bootstrap: str, prefix: str, expect: int = 1) -> list[DeactivationRequested]:
    every = await events(bootstrap, prefix + "jkn.dinsos.participants", expect)
    return [e for e in every if isinstance(e, DeactivationRequested)]
