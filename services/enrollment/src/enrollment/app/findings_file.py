"""Reading a kelurahan findings file: a file that cannot be read at all is rejected
(``FileRejected``: encoding, header), one with no rows or cut mid-row is refused
(``app.run_limits``), and each line is validated (``domain.findings``) and reported by line."""

from __future__ import annotations

import io
from collections.abc import Sequence

from enrollment.app.run_limits import check_rows, truncated
from enrollment.domain import HeaderError, ImportReport, LineError, iter_rows, outcome_of
from enrollment.domain.csv_import import MAX_CELL_CHARS
from enrollment.domain.findings import FINDING_FIELDS, Finding, validate_finding

__all__ = [
    "FileRejected",
    "OutsideKelurahan",
    "already_requested",
    "ends_with_line_break",
    "header_errors",
    "not_a_participant",
    "read_findings",
]

_ENCODING = LineError(
    1,
    "file",
    "ENCODING",
    "The file is not UTF-8 text; save it as 'CSV UTF-8'. / "
    "Berkas bukan teks UTF-8; simpan sebagai 'CSV UTF-8'.",
)


class FileRejected(Exception):
    """The file cannot be read at all (header, encoding): nothing of it was applied."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.rule}" for e in errors))
        self.errors = list(errors)


def header_errors(exc: HeaderError) -> FileRejected:
    return FileRejected([LineError(1, e.field, e.rule, e.message) for e in exc.errors])


def ends_with_line_break(tail: bytes) -> bool:
    """Whether a file's last bytes end with a line break (trailing spaces aside)."""
    return tail.rstrip(b" \t").endswith((b"\n", b"\r"))


def read_findings(
    content: bytes, *, max_cell_chars: int = MAX_CELL_CHARS
) -> tuple[ImportReport, list[tuple[int, Finding]], int]:
    """Read the file; RunRefused when it has no rows or was cut mid-row (its last row,
    after no line break, is invalid). A cell over ``max_cell_chars`` rejects its row."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRejected([_ENCODING]) from None
    report, findings, read = ImportReport(), [], 0
    last_line, last_valid = 0, True
    try:
        for line, row in iter_rows(
            io.StringIO(text, newline=""),
            required=FINDING_FIELDS,
            known=FINDING_FIELDS,
            max_cell_chars=max_cell_chars,
        ):
            read += 1
            outcome = outcome_of(row, validate_finding)
            finding = report.record(line, outcome, surplus=row.surplus)
            last_line, last_valid = line, isinstance(outcome, Finding) and not row.surplus
            if finding is not None:
                findings.append((line, finding))
    except HeaderError as exc:
        raise header_errors(exc) from None
    check_rows(read)
    if not last_valid and not ends_with_line_break(content[-64:]):
        raise truncated(last_line)
    return report, findings, read


def not_a_participant(line: int) -> LineError:
    return LineError(
        line,
        "nik",
        "NOT_A_PARTICIPANT",
        "No current proposal or participant has this NIK. / "
        "Tidak ada usulan atau peserta aktif dengan NIK ini.",
    )


def already_requested(line: int) -> LineError:
    return LineError(
        line,
        "nik",
        "ALREADY_REQUESTED",
        "A deactivation of this participant was already requested. / "
        "Penonaktifan peserta ini sudah pernah diajukan.",
    )


class OutsideKelurahan(Exception):
    """Rows of a kelurahan other than the submitting operator's: nothing is applied."""

    def __init__(self, lines: Sequence[int]) -> None:
        super().__init__(f"{len(lines)} rows outside the caller's kelurahan")
        self.lines = list(lines)
