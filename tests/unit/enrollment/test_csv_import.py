"""Importing proposals from a spreadsheet's CSV export."""

from __future__ import annotations

import io

import pytest
from enrollment.domain import HeaderError, ImportReport, Proposal, iter_rows, validate_proposal

HEADER = "nik;kk;name;sex;birth_date;kelurahan;source"
SITI = "1571014501900001;1571010101200001;Siti Aminah;P;1990-01-05;1571011001;dtks"
BUDI = "1571010501900002;1571010101200002;Budi;L;1990-01-05;1571011001;dtks"


def rows(text: str) -> list[tuple[int, dict[str, str]]]:
    return list(iter_rows(io.StringIO(text, newline="")))


def run(text: str) -> tuple[ImportReport, list[Proposal]]:
    report, accepted = ImportReport(), []
    for line_no, row in iter_rows(io.StringIO(text, newline="")):
        outcome = validate_proposal(row, strict=False)
        proposal = report.record(line_no, outcome, surplus=row.surplus)
        if proposal is not None:
            accepted.append(proposal)
    return report, accepted


def test_rows_are_numbered_as_in_a_spreadsheet_with_the_header_as_line_1() -> None:
    assert [n for n, _ in rows(f"{HEADER}\n{SITI}\n{BUDI}\n")] == [2, 3]


def test_a_quoted_cell_with_a_line_break_is_one_row() -> None:
    text = HEADER + ";address\n" + SITI + ';"Jl. Merdeka\nRT 01"\n' + BUDI + ";\n"
    numbered = rows(text)
    assert [n for n, _ in numbered] == [2, 3]
    assert numbered[0][1]["address"] == "Jl. Merdeka\nRT 01"


def test_a_utf8_bom_crlf_and_blank_trailing_lines_are_tolerated() -> None:
    text = "\ufeff" + f"{HEADER}\r\n{SITI}\r\n\r\n;;;;;;\r\n"
    assert [(n, r["name"]) for n, r in rows(text)] == [(2, "Siti Aminah")]


def test_commas_are_sniffed_as_well_as_semicolons() -> None:
    text = f"{HEADER}\n{SITI}\n".replace(";", ",")
    assert rows(text)[0][1]["kk"] == "1571010101200001"


def test_column_names_ignore_case_and_spaces() -> None:
    text = f"{HEADER.upper().replace('BIRTH_DATE', ' Birth Date ')}\n{SITI}\n"
    assert rows(text)[0][1]["birth_date"] == "1990-01-05"


def test_a_missing_column_is_named() -> None:
    with pytest.raises(HeaderError) as raised:
        rows("nik;kk;name;sex;birth_date;source\n")
    assert [(e.field, e.rule) for e in raised.value.errors] == [("kelurahan", "MISSING_COLUMN")]


def test_an_unknown_column_is_named_by_its_position_only() -> None:
    # a file without a header row: a resident's data where the column names belong
    with pytest.raises(HeaderError) as raised:
        rows(f"{HEADER};agama\n")
    position = len(HEADER.split(";")) + 1
    assert [(e.field, e.rule) for e in raised.value.errors] == [
        (f"column_{position}", "UNKNOWN_COLUMN")
    ]
    assert "agama" not in raised.value.errors[0].message
    with pytest.raises(HeaderError) as headerless:
        rows("1571010101700001;Budi Santoso;L\n")
    assert {e.field for e in headerless.value.errors} >= {"column_1", "column_2", "column_3"}
    said = " ".join(f"{e.field} {e.message}" for e in headerless.value.errors)
    assert "1571010101700001" not in said
    assert "budi" not in said.lower()


def test_a_file_without_a_header_is_refused() -> None:
    with pytest.raises(HeaderError, match="MISSING_HEADER"):
        rows("\ufeff\r\n")


def test_import_reports_every_bad_line_with_its_field_and_rule() -> None:
    bad_sex = SITI.replace(";P;", ";X;")
    bad_nik_and_kelurahan = BUDI.replace("1571010501900002", "15710105").replace("1571011001", "1")
    report, accepted = run(f"{HEADER}\n{bad_sex}\n{BUDI}\n{bad_nik_and_kelurahan}\n")
    assert [p.name for p in accepted] == ["Budi"]
    assert (report.accepted, report.rejected, report.duplicates) == (1, 2, 0)
    assert [(e.line, e.field, e.rule) for e in report.errors] == [
        (2, "sex", "SEX_VALUE"),
        (4, "nik", "NIK_FORMAT"),
        (4, "kelurahan", "KELURAHAN_FORMAT"),
    ]


def test_a_second_occurrence_of_a_nik_in_one_file_names_the_first_line() -> None:
    report, accepted = run(f"{HEADER}\n{SITI}\n{BUDI}\n{SITI}\n")
    assert len(accepted) == 2
    assert (report.accepted, report.rejected, report.duplicates, report.total) == (2, 0, 1, 3)
    [duplicate] = report.errors
    assert (duplicate.line, duplicate.rule, duplicate.first_line) == (4, "DUPLICATE_IN_FILE", 2)
    assert "baris 2" in duplicate.message


def test_a_corrected_copy_after_a_rejected_row_is_not_a_duplicate() -> None:
    report, _ = run(f"{HEADER}\n{SITI.replace(';P;', ';X;')}\n{SITI}\n")
    assert (report.accepted, report.rejected, report.duplicates) == (1, 1, 0)


def test_an_import_keeps_old_nik_date_problems_as_warnings() -> None:
    old = "1571013202900003;1571010101200003;Ahmad;L;1990-02-01;1571011001;dtks"
    report, accepted = run(f"{HEADER}\n{old}\n")
    assert len(accepted) == 1
    assert [(w.line, w.field, w.rule) for w in report.warnings] == [(2, "nik", "NIK_BIRTH_DAY")]


def test_a_row_with_cells_beyond_the_header_is_rejected() -> None:
    report, _ = run(f"{HEADER}\n{BUDI};Jl. Sudirman\n")
    assert [(e.line, e.field, e.rule) for e in report.errors] == [(2, "row", "TOO_MANY_CELLS")]


def test_missing_trailing_cells_read_as_empty() -> None:
    assert rows(f"{HEADER};phone\n{SITI}\n")[0][1]["phone"] == ""


def test_rows_are_read_lazily() -> None:
    def lines() -> object:
        yield HEADER + "\n"
        yield SITI + "\n"
        raise AssertionError("read past the first row")

    first = next(iter_rows(lines()))  # type: ignore[arg-type]
    assert first[0] == 2
