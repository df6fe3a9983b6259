"""Bad input never crashes Dinas Sosial's service (the enrollment app in process, on the
real Postgres and Kafka): a CSV cell over the limit, or over the csv module's own 131,072
characters, is that line's error and the import goes on; a header row too long is a 422;
a JSON body nested 30,000 deep is a 422 JSON_TOO_DEEP, not a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from integration.enrollment.conftest import approved
from integration.enrollment.residents import csv_text, resident
from support.polling import eventually

pytestmark = pytest.mark.infra


async def _finished(client: httpx.AsyncClient, import_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        progress = (await client.get(f"/imports/{import_id}")).json()
        return progress if progress["status"] != "running" else None

    return await eventually(done, timeout=60)


async def test_an_import_rejects_overlong_cells_line_by_line_and_registers_the_rest(
    client: httpx.AsyncClient, approver: httpx.AsyncClient
) -> None:
    rows = [
        {**resident(9101), "address": "x" * 200_000},  # line 2: over the csv module's limit
        {**resident(9102), "name": "y" * 5000},  # line 3: over ENROLLMENT_CSV_MAX_CELL_CHARS
        resident(9103),  # line 4
    ]
    files = {"file": ("usulan.csv", csv_text(rows).encode(), "text/csv")}

    started = await client.post("/imports", params={"proposed_by": "kelurahan-a"}, files=files)

    import_id = await approved(approver, started)
    progress = await _finished(client, import_id)
    assert (progress["status"], progress["accepted"], progress["rejected"]) == ("completed", 1, 2)
    errors = (await client.get(f"/imports/{import_id}/errors")).json()["errors"]
    assert [(e["line"], e["field"], e["rule"]) for e in errors if e["severity"] == "error"] == [
        (2, "row", "UNREADABLE_ROW"),
        (3, "name", "TOO_LONG"),
    ]


async def test_an_import_whose_header_row_is_too_long_is_refused_with_422(
    client: httpx.AsyncClient,
) -> None:
    text = csv_text([resident(9104)])
    header, rest = text.split("\r\n", 1)
    files = {"file": ("usulan.csv", f"{header};{'z' * 140_000}\r\n{rest}".encode(), "text/csv")}

    refused = await client.post("/imports", params={"proposed_by": "kelurahan-a"}, files=files)

    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("header", "HEADER_TOO_LONG")
    ]


async def test_a_proposal_nested_30000_deep_is_a_422_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/proposals",
        content=b"[" * 30_000 + b"]" * 30_000,
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 422
    assert [(e["field"], e["rule"]) for e in answer.json()["errors"]] == [("body", "JSON_TOO_DEEP")]
