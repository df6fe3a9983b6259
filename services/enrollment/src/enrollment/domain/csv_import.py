"""Streaming import of CSV files exported from spreadsheets (proposals, kelurahan findings).

Files come from Excel or LibreOffice as officers save them: with or without a UTF-8 BOM,
CRLF line ends, ``;`` (Indonesian-locale Excel) or ``,`` between cells, blank rows at the
end. Line numbers are the spreadsheet's row numbers: the header is row 1, and a cell with
a line break inside quotes is still one row. ``ImportReport`` tallies the outcome.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Collection, Iterable, Iterator

from enrollment.domain.fields import FieldError
from enrollment.domain.import_report import ImportReport, LineError
from enrollment.domain.proposal_fields import ALL_FIELDS, REQUIRED_FIELDS

__all__ = ["HeaderError", "ImportReport", "LineError", "Row", "iter_rows"]

_BOM = "\ufeff"


class HeaderError(ValueError):
    """The header row is missing, or names columns that are missing, unknown or repeated."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.rule}" for e in self.errors))


class Row(dict[str, str]):
    """One data row: column name -> trimmed cell ("" when empty). ``surplus`` counts
    non-empty cells outside the header's columns (often an unquoted ``;`` in an address)."""

    surplus: int = 0


def _delimiter(header: str) -> str:
    # The header alone is a reliable sample: column names never contain ; , or tab.
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _column(cell: str) -> str:
    return "_".join(cell.strip().lower().replace("-", " ").split())


def _header_errors(
    columns: list[str], required: Collection[str], known: set[str]
) -> Iterator[FieldError]:
    """A known column is named; an unknown one only by its position: a file without a
    header row has a resident's NIK and name where the column names belong, and an error
    answer never quotes a value."""
    named = [c for c in columns if c]
    for column in sorted({c for c in named if named.count(c) > 1 and c in known}):
        yield FieldError(
            column,
            "DUPLICATE_COLUMN",
            f"Column '{column}' appears more than once. / "
            f"Kolom '{column}' muncul lebih dari sekali.",
        )
    expected = ", ".join(sorted(known))
    for position, column in enumerate(columns, start=1):
        if column and column not in known:
            yield FieldError(
                f"column_{position}",
                "UNKNOWN_COLUMN",
                f"Column {position} of the header is not a known column (expected: {expected})."
                f" / Kolom ke-{position} pada baris judul tidak dikenal (yang dikenal:"
                f" {expected}).",
            )
    for column in required:
        if column not in named:
            yield FieldError(
                column,
                "MISSING_COLUMN",
                f"Required column '{column}' is missing. / Kolom wajib '{column}' tidak ada.",
            )


def iter_rows(
    text_stream: Iterable[str],
    *,
    required: Collection[str] = REQUIRED_FIELDS,
    known: Collection[str] = ALL_FIELDS,
) -> Iterator[tuple[int, Row]]:
    """Yield ``(spreadsheet row number, Row)`` for each non-blank data row, lazily.

    ``text_stream``: lines of text (a file opened with ``newline=""``, an ``io.StringIO``).
    Defaults check proposal columns; pass ``required``/``known`` for other files. Raises
    ``HeaderError`` before the first row when the header is missing or its columns do not
    match; names are matched ignoring case, outer spaces, and spaces vs underscores.
    """
    lines = iter(text_stream)
    first = (next(lines, None) or "").removeprefix(_BOM)
    if not first.strip():
        raise HeaderError(
            [
                FieldError(
                    "header",
                    "MISSING_HEADER",
                    "The first row must name the columns. / Baris pertama harus berisi nama kolom.",
                )
            ]
        )
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
    columns = [_column(c) for c in next(reader)]
    errors = list(_header_errors(columns, required, set(known) | set(required)))
    if errors:
        raise HeaderError(errors)
    for line_no, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = Row({column: "" for column in columns if column})
        for index, cell in enumerate(cells):
            column = columns[index] if index < len(columns) else ""
            if column:
                row[column] = cell.strip()
            elif cell.strip():
                row.surplus += 1
        yield line_no, row
