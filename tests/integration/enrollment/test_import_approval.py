"""Bulk proposals are previewed and need a second person (maker-checker, ISSUE 11 item 4).

An uploaded CSV is a preview: counted, its line errors reported, nothing proposed and no
ParticipantRegistered sent. Another Dinsos officer approves it (its uploader cannot: 403
SAME_PERSON) and only then are its proposals made, with ImportApproved naming both; a
rejected import proposes nothing; each is decided once. An empty file, a header-only file,
a file cut mid-row and a file over the row cap are refused (422 with a rule), nothing
stored. Against the real Postgres and Kafka; siti.dinsos uploads, yusuf.dinsos approves.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from enrollment.app.import_preview import ImportLimits
from fastapi import FastAPI
from integration.enrollment.conftest import BOOTSTRAP, approved
from integration.enrollment.residents import csv_text, resident
from jkn_contracts import AnyEvent, parse_event
from support.kafka import read_topic
from support.polling import eventually

pytestmark = pytest.mark.infra

CSV = {"content-type": "text/csv"}
# the last row loses its end (its phone, email, source...): no line break after it
CUT_MID_ROW = csv_text([resident(8302), resident(8303)]).rstrip("\r\n")[:-12]


async def _upload(client: httpx.AsyncClient, text: str, by: str = "kelurahan-x") -> httpx.Response:
    return await client.post(
        "/imports", params={"proposed_by": by}, content=text.encode(), headers=CSV
    )


async def _count(app: FastAPI, sql: str, *args: Any) -> int:
    return int(await app.state.runtime.pool.fetchval(sql, *args))


async def _events(topic_prefix: str) -> list[AnyEvent]:
    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=0)
    return [parse_event(r.value or b"") for r in records]


async def _finished(client: httpx.AsyncClient, import_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        progress = (await client.get(f"/imports/{import_id}")).json()
        return progress if progress["status"] not in ("running", "preview") else None

    return await eventually(done, timeout=60)


async def test_an_upload_is_a_preview_of_counts_and_proposes_no_one(
    app: FastAPI, client: httpx.AsyncClient, topic_prefix: str
) -> None:
    rows = [
        resident(8001),                                  # line 2
        {**resident(8002), "birth_date": "12/03/1970"},  # line 3: date format
        resident(8003),                                  # line 4
        resident(8001),                                  # line 5: duplicate of line 2
        {**resident(8004), "kelurahan": "12"},           # line 6: kelurahan format
    ]  # fmt: skip

    answer = await _upload(client, csv_text(rows), by="preview-only")

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["status"] == "preview"
    preview = body["preview"]
    assert (preview["rows"], preview["valid"], preview["invalid"]) == (5, 2, 2)
    assert preview["duplicates_in_file"] == 1
    assert preview["invalid_by_rule"] == {
        "DATE_FORMAT": {"rows": 1, "lines": [3]},
        "DUPLICATE_IN_FILE": {"rows": 1, "lines": [5]},
        "KELURAHAN_FORMAT": {"rows": 1, "lines": [6]},
    }
    assert sum(preview["by_kelurahan"].values()) == sum(preview["by_source"].values()) == 2
    for row in rows:  # counts and codes only
        assert row["nik"] not in answer.text
        assert row["name"] not in answer.text
    import_id = uuid.UUID(body["import_id"])
    errors = (await client.get(f"/imports/{import_id}/errors")).json()["errors"]
    assert [(e["line"], e["rule"]) for e in errors if e["severity"] == "error"] == [
        (3, "DATE_FORMAT"),
        (5, "DUPLICATE_IN_FILE"),
        (6, "KELURAHAN_FORMAT"),
    ]
    shown = (await client.get(f"/imports/{import_id}")).json()
    assert (shown["status"], shown["approval"]["status"]) == ("preview", "pending")
    assert await _count(app, "SELECT count(*) FROM proposals WHERE import_id = $1", import_id) == 0
    # an outbox row is written with the state it states: a preview wrote none
    stated = await _count(
        app,
        "SELECT count(*) FROM outbox WHERE convert_from(value, 'UTF8') LIKE $1",
        "%preview-only%",
    )
    assert stated == 0
    assert not [
        e
        for e in await _events(topic_prefix)
        if e.event_type == "ParticipantRegistered"
        and e.payload.model_dump().get("proposed_by") == "preview-only"
    ]


async def test_a_second_officer_approves_and_only_then_the_proposals_go_out(
    app: FastAPI, client: httpx.AsyncClient, approver: httpx.AsyncClient, topic_prefix: str
) -> None:
    previewed = await _upload(client, csv_text([resident(8101), resident(8102)]))
    import_id = previewed.json()["import_id"]

    same_person = await client.post(f"/imports/{import_id}/approve")

    assert same_person.status_code == 403
    assert same_person.json()["reason"] == "SAME_PERSON"
    assert (await client.get(f"/imports/{import_id}")).json()["status"] == "preview"

    await approved(approver, previewed)
    progress = await _finished(client, import_id)

    assert (progress["status"], progress["accepted"]) == ("completed", 2)
    assert progress["approval"]["status"] == "approved"
    assert progress["approval"]["decided_by"]["id"] != progress["approval"]["uploaded_by"]["id"]
    again = await approver.post(f"/imports/{import_id}/approve")
    assert again.status_code == 409
    assert again.json()["errors"][0]["rule"] == "ALREADY_DECIDED"
    assert await _count(
        app, "SELECT count(*) FROM imports WHERE import_id = $1 AND content_sealed IS NULL",
        uuid.UUID(import_id),
    ) == 1  # fmt: skip

    async def decision() -> list[AnyEvent]:
        return [
            e
            for e in await _events(topic_prefix)
            if e.event_type == "ImportApproved" and str(e.correlation_id) == import_id
        ]

    (event,) = await eventually(decision, timeout=60)
    assert event.actor is not None
    assert (
        event.payload.model_dump()["uploaded_by"]["id"] == progress["approval"]["uploaded_by"]["id"]
    )
    assert event.actor.id == progress["approval"]["decided_by"]["id"]
    assert (event.payload.model_dump()["rows"], event.payload.model_dump()["valid"]) == (2, 2)


async def test_a_rejected_import_proposes_nothing_and_stays_rejected(
    app: FastAPI, client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    previewed = await _upload(client, csv_text([resident(8201)]))
    import_id = previewed.json()["import_id"]

    rejected = await approver.post(f"/imports/{import_id}/reject")

    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    late = await approver.post(f"/imports/{import_id}/approve")
    assert late.status_code == 409
    assert (await client.get(f"/imports/{import_id}")).json()["status"] == "rejected"
    assert await _count(
        app, "SELECT count(*) FROM proposals WHERE import_id = $1", uuid.UUID(import_id)
    ) == 0  # fmt: skip
    unknown = await approver.post(f"/imports/{uuid.uuid4()}/approve")
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("text", "status", "rule"),
    [
        ("", 422, "EMPTY_FILE"),
        (csv_text([resident(8301)]).split("\r\n", 1)[0] + "\r\n", 422, "NO_ROWS"),
        (CUT_MID_ROW, 422, "TRUNCATED_LAST_LINE"),
    ],
    ids=["empty", "header-only", "cut-mid-row"],
)
async def test_a_file_that_must_not_be_applied_is_refused_and_nothing_stored(
    app: FastAPI, client: httpx.AsyncClient, text: str, status: int, rule: str
) -> None:
    before = await _count(app, "SELECT count(*) FROM imports")

    answer = await _upload(client, text)

    assert answer.status_code == status, answer.text
    assert rule in {e["rule"] for e in answer.json()["errors"]}
    assert await _count(app, "SELECT count(*) FROM imports") == before


async def test_a_file_over_the_row_cap_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    app.state.import_limits = ImportLimits(max_rows=3)
    try:
        answer = await _upload(client, csv_text([resident(n) for n in range(8401, 8405)]))
        fits = await _upload(client, csv_text([resident(n) for n in range(8411, 8414)]))
    finally:
        app.state.import_limits = ImportLimits()

    assert answer.status_code == 422
    assert (answer.json()["rule"], answer.json()["rows"], answer.json()["max_rows"]) == (
        "IMPORT_TOO_LARGE",
        4,
        3,
    )
    assert fits.status_code == 201, fits.text
