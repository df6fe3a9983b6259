"""Bad CSV never crashes a reader: the limits of proposal imports, findings and snapshots.

Specification (enrollment.domain.csv_import): a cell longer than the limit (4,096 by
default) rejects its row with the column and TOO_LONG; a row the csv module cannot read (a
cell over its own 131,072-character limit) rejects that row with UNREADABLE_ROW and the
rows after it are still read; a header row over the limit refuses the file
(HeaderError HEADER_TOO_LONG, a 422). Property tests: whatever text a file holds, the
readers yield numbered rows or raise HeaderError, nothing else; and every row they accept
was validated.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from enrollment.domain import (
    FINDING_FIELDS,
    HeaderError,
    ImportReport,
    Row,
    iter_rows,
    outcome_of,
    validate_finding,
    validate_proposal,
)
from enrollment.domain.snapshot import SNAPSHOT_FIELDS, validate_registry_row
from hypothesis import given, settings
from hypothesis import strategies as st

HEADER = "nik;kk;name;sex;birth_date;kelurahan;source;address"
SITI = "1571014501900001;1571010101200001;Siti Aminah;P;1990-01-05;1571011001;dtks;Jl. Merdeka"
BUDI = "1571010501900002;1571010101200002;Budi;L;1990-01-05;1571011001;dtks;Jl. Sudirman"


def read(text: str, **limits: int) -> list[tuple[int, Row]]:
    return list(iter_rows(io.StringIO(text, newline=""), **limits))


def run(text: str) -> ImportReport:
    """As the import does: a row's own problems, else its validation, into the report."""
    report = ImportReport()
    for line, row in iter_rows(io.StringIO(text, newline="")):
        outcome = outcome_of(row, lambda r: validate_proposal(r, strict=False))
        report.record(line, outcome, surplus=row.surplus)
    return report


def test_rejects_a_cell_over_the_limit_naming_its_column_and_reads_the_next_row() -> None:
    long_address = SITI.replace("Jl. Merdeka", "x" * 5000)

    report = run(f"{HEADER}\n{long_address}\n{BUDI}\n")

    assert (report.accepted, report.rejected) == (1, 1)
    assert [(e.line, e.field, e.rule) for e in report.errors] == [(2, "address", "TOO_LONG")]
    assert "x" * 10 not in report.errors[0].message  # errors never quote a value


def test_a_cell_over_the_csv_module_s_own_limit_is_an_unreadable_row_not_a_crash() -> None:
    huge = SITI.replace("Jl. Merdeka", "x" * 131_073)

    report = run(f"{HEADER}\n{huge}\n{BUDI}\n")

    assert (report.accepted, report.rejected) == (1, 1)
    assert [(e.line, e.field, e.rule) for e in report.errors] == [(2, "row", "UNREADABLE_ROW")]


def test_a_cell_outside_the_header_s_columns_is_named_by_its_position() -> None:
    [(_, row)] = read(f"{HEADER}\n{SITI};{'y' * 5000}\n")

    assert [(p.field, p.rule) for p in row.problems] == [("column_9", "TOO_LONG")]


def test_the_limit_is_configurable() -> None:
    [(_, row)] = read(f"{HEADER}\n{SITI}\n", max_cell_chars=10)

    assert {p.field for p in row.problems} == {"nik", "kk", "name", "address"}  # over 10


@pytest.mark.parametrize(
    "header",
    [
        HEADER + ";" + "z" * 5000,  # one physical line over the limit
        HEADER + ';"' + "z" * 131_073,  # a quote never closed: the csv module gives up
    ],
)
def test_refuses_a_header_row_that_is_too_long_as_a_whole(header: str) -> None:
    with pytest.raises(HeaderError) as refused:
        read(f"{header}\n{SITI}\n")

    assert [(e.field, e.rule) for e in refused.value.errors] == [("header", "HEADER_TOO_LONG")]


def test_findings_and_snapshots_share_the_limits() -> None:
    finding = "1571014501900001;meninggal;" + "E" * 4097 + ";Lurah;1571011001"
    [(_, row)] = list(
        iter_rows(
            io.StringIO(";".join(FINDING_FIELDS) + "\n" + finding + "\n"),
            required=FINDING_FIELDS,
            known=FINDING_FIELDS,
        )
    )

    assert outcome_of(row, validate_finding) == row.problems
    assert [(p.field, p.rule) for p in row.problems] == [("evidence_ref", "TOO_LONG")]


def test_rejects_a_welfare_decile_written_with_a_superscript_digit() -> None:
    """Found by the snapshot property below: "²" is a digit to str.isdigit, not to int()."""
    report = run(f"{HEADER};welfare_decile\n{SITI};\u00b2\n")

    assert [(e.field, e.rule) for e in report.errors] == [("welfare_decile", "DECILE_VALUE")]


# ---- properties ---------------------------------------------------------------------------

# the characters that matter to a CSV reader, and pieces of real rows
CSV_TEXT = st.lists(
    st.sampled_from([*';,\t"\r\n x1\ufeff', "nik", "kk", "name", "1571014501900001", "x" * 9]),
    max_size=120,
).map("".join)


@settings(max_examples=300)
@given(body=CSV_TEXT)
def test_any_text_after_a_valid_header_gives_numbered_rows_and_never_raises(body: str) -> None:
    rows = read(f"{HEADER}\n{body}", max_cell_chars=8)

    lines = [line for line, _ in rows]
    assert lines == sorted(set(lines))
    assert all(line >= 2 for line in lines)
    for _, row in rows:
        assert set(row) == set(HEADER.split(";"))
        assert all(len(v) <= 8 for v in row.values())


@settings(max_examples=300)
@given(text=CSV_TEXT)
def test_any_file_is_rows_or_a_header_error(text: str) -> None:
    refusal: HeaderError | None = None
    try:
        rows = read(text)
    except HeaderError as refused:
        refusal, rows = refused, []
    if refusal is not None:
        assert all(e.rule.isupper() and e.field for e in refusal.errors)
    report = ImportReport()
    for line, row in rows:
        report.record(line, outcome_of(row, lambda r: validate_proposal(r, strict=False)))
    assert report.total == len(rows)


@settings(max_examples=200)
@given(
    cells=st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
        min_size=len(SNAPSHOT_FIELDS),
        max_size=len(SNAPSHOT_FIELDS),
    )
)
def test_a_snapshot_row_of_any_cells_is_a_registry_row_or_field_errors(cells: list[str]) -> None:
    row = Row(zip(SNAPSHOT_FIELDS, (c.strip() for c in cells), strict=True))

    outcome = validate_registry_row(row, today=date(2026, 11, 29))

    if isinstance(outcome, list):
        assert outcome
        assert all(e.field in SNAPSHOT_FIELDS and e.rule.isupper() for e in outcome)
