"""The outcome of an import, line by line: accepted, rejected, or a duplicate in the file.

Every problem is kept with its spreadsheet row number, field and rule, so an officer can
fix the file; none repeats a value. A NIK seen twice in one file is imported once: the
second occurrence is reported with the row of the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from enrollment.domain.fields import FieldError

__all__ = ["ImportReport", "LineError"]


class _Keyed(Protocol):
    @property
    def nik(self) -> str: ...

    @property
    def warnings(self) -> tuple[FieldError, ...]: ...


Valid = TypeVar("Valid", bound=_Keyed)


@dataclass(frozen=True, slots=True)
class LineError:
    """A problem (or warning) on one row. ``first_line``: for DUPLICATE_IN_FILE, the row
    where the NIK first appeared."""

    line: int
    field: str
    rule: str
    message: str
    first_line: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The error as one item of an ``errors`` list (``jkn_bus.http.errors_response``):
        the row first, then the field error, then the first row of a duplicate NIK."""
        first = {"first_line": self.first_line} if self.first_line else {}
        return {
            "line": self.line,
            "field": self.field,
            "rule": self.rule,
            "message": self.message,
            **first,
        }


@dataclass
class ImportReport:
    """Accumulates the outcome of each row of one file."""

    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)
    warnings: list[LineError] = field(default_factory=list)
    # NIK -> row of its first accepted occurrence. Held in memory only, never reported.
    _first_line: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        """Rows seen (blank rows are not rows)."""
        return self.accepted + self.rejected + self.duplicates

    def record(
        self, line_no: int, outcome: Valid | Sequence[FieldError], *, surplus: int = 0
    ) -> Valid | None:
        """Count one row's validation ``outcome``; return it when the row is accepted.

        ``surplus``: non-empty cells outside the header's columns (``Row.surplus``); such
        a row is rejected because its cells may have shifted. Only accepted rows claim
        their NIK, so a corrected copy after a broken row is still imported.
        """
        problems = [
            LineError(line_no, e.field, e.rule, e.message)
            for e in (outcome if isinstance(outcome, Sequence) else [])
        ]
        if surplus:
            problems.append(
                LineError(
                    line_no,
                    "row",
                    "TOO_MANY_CELLS",
                    f"The row has {surplus} filled cell(s) outside the header's columns; quote "
                    "values that contain the separator. / "
                    f"Baris memiliki {surplus} sel terisi di luar kolom judul; beri tanda kutip "
                    "pada nilai yang mengandung pemisah.",
                )
            )
        if problems or isinstance(outcome, Sequence):
            self.rejected += 1
            self.errors += problems
            return None
        first = self._first_line.get(outcome.nik)
        if first is not None:
            self.duplicates += 1
            self.errors.append(
                LineError(
                    line_no,
                    "nik",
                    "DUPLICATE_IN_FILE",
                    f"The same NIK is on row {first}; this row is skipped. / "
                    f"NIK yang sama sudah ada di baris {first}; baris ini dilewati.",
                    first_line=first,
                )
            )
            return None
        self._first_line[outcome.nik] = line_no
        self.accepted += 1
        self.warnings += [LineError(line_no, w.field, w.rule, w.message) for w in outcome.warnings]
        return outcome
