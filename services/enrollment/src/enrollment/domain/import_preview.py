"""What an import of proposals would do, counted before anyone approves it (maker-checker).

A CSV import is read once in full when it is uploaded: every row validated as the import
will validate it (lenient NIK checks), every line error and NIK warning kept with its line,
and the file counted: data rows, valid rows, invalid rows by rule (with their first lines),
duplicates in the file, valid rows by kelurahan and by source. The counts are what the
second officer sees; they hold codes and numbers, never a value of a row (a kelurahan code
is an area, not a person). Whether a valid row's resident is already proposed is known only
when the import runs (ALREADY_PROPOSED), as today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from enrollment.domain.csv_import import Row, outcome_of
from enrollment.domain.import_report import ImportReport, LineError
from enrollment.domain.proposal import Proposal, validate_proposal

__all__ = ["LINES_SHOWN", "ImportPreview", "scan_rows"]

LINES_SHOWN = 20
"""Lines listed per rule in the preview; the full list is the import's errors report."""


@dataclass
class ImportPreview:
    """The counts of one file and its line errors and warnings (``issues``: (error,
    severity) in line order). ``last_valid``: whether the last data row validated (a file
    cut mid-row ends with an invalid row)."""

    rows: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    warnings: int = 0
    last_line: int = 1
    last_valid: bool = True
    by_rule: Counter[str] = field(default_factory=Counter)
    lines_by_rule: dict[str, list[int]] = field(default_factory=dict)
    by_kelurahan: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)
    issues: list[tuple[LineError, str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The preview as stored and answered: counts and codes only."""
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "duplicates_in_file": self.duplicates,
            "warnings": self.warnings,
            "invalid_by_rule": {
                rule: {"rows": count, "lines": self.lines_by_rule[rule]}
                for rule, count in sorted(self.by_rule.items())
            },
            "by_kelurahan": dict(sorted(self.by_kelurahan.items())),
            "by_source": dict(sorted(self.by_source.items())),
        }

    def note_rules(self, line: int, errors: list[LineError]) -> None:
        """Count a rejected row under each rule it broke, listing its line (the first few)."""
        for rule in dict.fromkeys(e.rule for e in errors):  # a rule once per row
            self.by_rule[rule] += 1
            shown = self.lines_by_rule.setdefault(rule, [])
            if len(shown) < LINES_SHOWN:
                shown.append(line)


def _lenient(row: Row) -> Proposal | list[Any]:
    return validate_proposal(row, strict=False)


def scan_rows(rows: Iterable[tuple[int, Row]]) -> ImportPreview:
    """Validate and count every data row (``csv_import.iter_rows``). Raises what the reader
    raises (HeaderError, UnicodeDecodeError)."""
    report, preview = ImportReport(), ImportPreview()
    for line, row in rows:
        accepted = report.record(line, outcome_of(row, _lenient), surplus=row.surplus)
        preview.rows += 1
        preview.last_line, preview.last_valid = line, accepted is not None
        errors, warnings = list(report.errors), list(report.warnings)
        report.errors.clear()
        report.warnings.clear()
        preview.issues += [(e, "error") for e in errors]
        preview.issues += [(w, "warning") for w in warnings]
        preview.warnings += len(warnings)
        if accepted is not None:
            preview.valid += 1
            preview.by_kelurahan[accepted.kelurahan] += 1
            preview.by_source[accepted.source.value] += 1
        elif any(e.rule == "DUPLICATE_IN_FILE" for e in errors):
            preview.duplicates += 1
        else:
            preview.invalid += 1
        if accepted is None:
            preview.note_rules(line, errors)
    return preview
