"""A registry export with a broken first row is refused by name, never by crashing, and the
refusal never repeats the row (in a file without a header it is a resident's data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from verification.adapters.reference import ReferenceError, _check_header

COLUMNS = ("nik", "kk", "name")


def test_a_first_cell_over_the_csv_module_s_limit_is_a_refusal_not_a_crash(
    tmp_path: Path,
) -> None:
    export = tmp_path / "dtks.csv"
    export.write_text('"' + "x" * 140_000 + "\n")

    with pytest.raises(ReferenceError, match="not a CSV header"):
        _check_header(export, COLUMNS)


def test_a_file_without_a_header_is_refused_without_quoting_its_first_row(
    tmp_path: Path,
) -> None:
    export = tmp_path / "dtks.csv"
    export.write_text("1571014501900001,1571010101200001,Siti Aminah\n")

    with pytest.raises(ReferenceError) as refused:
        _check_header(export, COLUMNS)

    assert "missing nik,kk,name" in str(refused.value)
    assert "Siti" not in str(refused.value)
    assert "1571014501900001" not in str(refused.value)
