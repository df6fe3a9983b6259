"""Streaming import of CSV files exported from spreadsheets (proposals, kelurahan findings).

Files come from Excel or LibreOffice as officers save them: with or without a UTF-8 BOM,
CRLF line ends, ``;`` (Indonesian-locale Excel) or ``,`` between cells, blank rows at the
end. Line numbers are the spreadsheet's row numbers: the header is row 1, and a cell with
a line break inside quotes is still one row. ``ImportReport`` tallies the outcome.

A file is never trusted to be well formed: a cell longer than ``max_cell_chars`` (4,096 by
default, ``ENROLLMENT_CSV_MAX_CELL_CHARS``; no field of a proposal, finding or registry row
comes near it) and a row the csv module cannot read (a cell over its own 131,072-character
limit, say) are that row's problems (``Row.problems``: the row is rejected with its line,
field and rule, and the next rows are read); a header row that is too long or unreadable
(over ``MAX_HEADER_CHARS``) is a ``HeaderError`` (the whole file is refused, 422).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import TypeVar

from enrollment.domain.fields import FieldError
from enrollment.domain.import_report import ImportReport, LineError
from enrollment.domain.proposal_fields import ALL_FIELDS, REQUIRED_FIELDS

__all__ = [
    "MAX_CELL_CHARS",
    "MAX_HEADER_CHARS",
    "HeaderError",
    "ImportReport",
    "LineError",
    "Row",
    "iter_rows",
    "iter_rows_fast",
    "outcome_of",
]

Valid = TypeVar("Valid")
Fast = TypeVar("Fast")

_BOM = "\ufeff"
MAX_CELL_CHARS = 4096
"""The longest cell read by default."""
MAX_HEADER_CHARS = 4096
"""The longest header row: a dozen column names take a few hundred characters."""


class HeaderError(ValueError):
    """The header row is missing, or names columns that are missing, unknown or repeated."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(f"{e.field}: {e.rule}" for e in self.errors))


class Row(dict[str, str]):
    """One data row: column name -> trimmed cell ("" when empty). ``surplus`` counts
    non-empty cells outside the header's columns (often an unquoted ``;`` in an address).
    ``problems``: what made the row unreadable (a cell too long, broken CSV); a row with
    problems is rejected with them instead of being validated (``outcome_of``)."""

    surplus: int = 0
    problems: tuple[FieldError, ...] = ()


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


def _too_long(field: str, limit: int) -> FieldError:
    return FieldError(
        field,
        "TOO_LONG",
        f"The cell is longer than {limit} characters. / Isi sel lebih dari {limit} karakter.",
    )


_UNREADABLE_ROW = FieldError(
    "row",
    "UNREADABLE_ROW",
    "The row is not valid CSV (a cell far too long, or a quote never closed). / "
    "Baris ini bukan CSV yang sah (isi sel terlalu panjang, atau tanda kutip tidak ditutup).",
)


def _header_too_long(limit: int) -> HeaderError:
    return HeaderError(
        [
            FieldError(
                "header",
                "HEADER_TOO_LONG",
                f"The header row is longer than {limit} characters; the first row must name "
                f"the columns. / Baris judul lebih dari {limit} karakter; baris pertama harus "
                "berisi nama kolom.",
            )
        ]
    )


def iter_rows(
    text_stream: Iterable[str],
    *,
    required: Collection[str] = REQUIRED_FIELDS,
    known: Collection[str] = ALL_FIELDS,
    max_cell_chars: int = MAX_CELL_CHARS,
    share: tuple[int, int] | None = None,
) -> Iterator[tuple[int, Row]]:
    """Yield ``(spreadsheet row number, Row)`` for each non-blank data row, lazily.

    ``share=(k, n)``: only the rows whose number is ``k`` modulo ``n`` (the others are read
    as CSV, to number the rows, and nothing more), so that ``n`` processes reading the same
    file share its rows (``enrollment.app.snapshot_shares``).

    ``text_stream``: lines of text (a file opened with ``newline=""``, an ``io.StringIO``).
    Defaults check proposal columns; pass ``required``/``known`` for other files. Raises
    ``HeaderError`` before the first row when the header is missing, too long or its
    columns do not match; names are matched ignoring case, outer spaces, and spaces vs
    underscores. A row with a cell over ``max_cell_chars``, or that is not valid CSV, is
    yielded with its ``problems`` (see the module doc).
    """
    return iter_rows_fast(
        text_stream,
        required=required,
        known=known,
        max_cell_chars=max_cell_chars,
        share=share,
        fast=_no_fast_path,
    )


def _no_fast_path(_columns: list[str]) -> None:
    return None


def iter_rows_fast(
    text_stream: Iterable[str],
    *,
    required: Collection[str],
    known: Collection[str],
    max_cell_chars: int,
    share: tuple[int, int] | None,
    fast: Callable[[list[str]], Callable[[list[str]], Fast | None] | None],
) -> Iterator[tuple[int, Row | Fast]]:
    """``iter_rows``, a row's raw cells first offered to ``fast(columns)`` (the header's
    columns, once; None: no fast path for this header): what it answers for them, when
    not None, is yielded instead of the row's ``Row``. A file of millions of well-formed
    rows is read without building a mapping for each (``domain.snapshot.canonical_cells``)."""
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
    if len(first.rstrip("\r\n")) > MAX_HEADER_CHARS:
        raise _header_too_long(MAX_HEADER_CHARS)
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first))
    try:
        columns = [_column(c) for c in next(reader)]
    except csv.Error:  # a quote opened in the header and never closed, the rest unread
        raise _header_too_long(MAX_HEADER_CHARS) from None
    errors = list(_header_errors(columns, required, set(known) | set(required)))
    if errors:
        raise HeaderError(errors)
    line_no = 1
    k, n = share or (0, 1)
    quick = fast(columns)
    while True:
        line_no += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            if line_no % n != k:
                continue
            # the reader drops what it read of the broken row and goes on with the next line
            broken = Row({column: "" for column in columns if column})
            broken.problems = (_UNREADABLE_ROW,)
            yield line_no, broken
            continue
        if line_no % n != k:
            continue
        if quick is not None and (value := quick(cells)) is not None:
            yield line_no, value
            continue
        if not any(cell.strip() for cell in cells):
            continue
        yield line_no, _row(columns, cells, max_cell_chars)


def _row(columns: list[str], cells: list[str], max_cell_chars: int) -> Row:
    row = Row({column: "" for column in columns if column})
    problems: list[FieldError] = []
    for index, cell in enumerate(cells):
        column = columns[index] if index < len(columns) else ""
        if len(cell) > max_cell_chars:
            problems.append(_too_long(column or f"column_{index + 1}", max_cell_chars))
        elif column:
            row[column] = cell.strip()
        elif cell.strip():
            row.surplus += 1
    row.problems = tuple(problems)
    return row


def outcome_of(row: Row, validate: Callable[[Row], Valid]) -> Valid | tuple[FieldError, ...]:
    """The row's own problems when it could not be read, else what ``validate`` says of it:
    a cell too long is reported as such, not as the field errors its absence would cause."""
    return row.problems if row.problems else validate(row)
