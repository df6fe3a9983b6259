"""CSV cells that a spreadsheet shows as text, never runs as a formula.

Officers open the CSV files the services write (import errors, receipts, reconciliation
reports) in Excel or LibreOffice. A cell beginning with ``=``, ``+``, ``-`` or ``@`` is
taken as a formula there, and a tab or carriage return at the start lets one slip past
the check; text that came from outside (a findings file's ``evidence_ref`` or ``officer``,
a proposer's name) could then run a formula on an officer's machine (CSV injection). As
OWASP recommends, such a cell is written with a single quote in front: the spreadsheet
shows the text as it was typed and evaluates nothing. Numbers, dates and ids written by
the services themselves are left as they are; ``None`` is an empty cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "safe_cell", "safe_row"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet will not evaluate (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of one row through :func:`safe_cell`, for ``csv.writer.writerow``."""
    return [safe_cell(v) for v in values]
