"""The snapshot's fast row check agrees with the full one (enrollment.domain.snapshot).

Specification: ``fast_registry_row`` accepts a row only when it is in canonical form (ASCII
digits, the NIK's region and serial rules, a KK serial other than 0000, a name starting
with a letter with single spaces, L or P, a real past YYYY-MM-DD, a 10-digit kelurahan, a
decile 1-10), and then gives exactly the RegistryRow ``validate_registry_row`` gives;
anything else is None and goes to the full check, which alone reports errors. Property:
over well-formed rows and rows with one cell broken in any of the ways a registry export
breaks, ``fast(row) is None or fast(row) == full(row)``, and a well-formed row is accepted
by the fast check. ``SnapshotParse`` yields the same records, counts and line errors with
and without the fast check.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from enrollment.app import snapshot_file
from enrollment.app.snapshot_file import SnapshotParse
from enrollment.domain.snapshot import (
    SNAPSHOT_FIELDS,
    RegistryRow,
    RegistryValues,
    canonical_cells,
    canonical_values,
    fast_registry_row,
    validate_registry_row,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jkn_contracts import participant_id_for

TODAY = date(2026, 11, 29)
SITI = {
    "nik": "1571014501900001",
    "kk": "1571010101200001",
    "name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1990-01-05",
    "kelurahan": "1571011001",
    "welfare_decile": "3",
}


def digits(count: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=count, max_size=count)


def two(low: int, high: int) -> st.SearchStrategy[str]:
    return st.integers(low, high).map("{:02d}".format)


SERIAL = st.integers(1, 9999).map("{:04d}".format)
REGENCY = st.one_of(two(1, 69), two(71, 99))
NIK = st.tuples(two(11, 96), REGENCY, two(1, 99), digits(6), SERIAL).map("".join)
KK = st.tuples(digits(12), SERIAL).map("".join)
WORD = st.tuples(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCZ'.-,", max_size=12),
).map("".join)
NAME = st.lists(WORD, min_size=1, max_size=5).map(" ".join).filter(lambda n: len(n) >= 2)
VALID = st.fixed_dictionaries(
    {
        "nik": NIK,
        "kk": KK,
        "name": NAME,
        "sex": st.sampled_from("LP"),
        "birth_date": st.dates(date(1900, 1, 1), TODAY).map(date.isoformat),
        "kelurahan": digits(10),
        "welfare_decile": st.integers(1, 10).map(str),
    }
)

# Values a registry export puts in a cell by mistake, for any column.
ODD_CELLS = [
    *["", " ", "0", "00", "01", "10", "11", "-1", "12", "1234", "l", "p", "X", "LP"],
    "\u00b2",  # superscript two: str.isdigit, not int()
    "\u0663",  # Arabic-Indic three: "\\d" in a str pattern
    "2026-11-30",  # the day after TODAY
    *["2999-01-01", "2023-02-30", "1990-1-5", "05-01-1990", "19900105", "1990-W01-1"],
    *["0000-01-01", "\u00c9mile", "A", "Ab", "...", "- -", "A  B", "a\nb", "x" * 201],
    *["1571014501900000", "1071014501900001", "9771014501900001", "1570014501900001"],
    *["1570714501900001", "1571004501900001", "1571010101200000", "157101010120001"],
    "1571019901900001",  # day 99 in the NIK: lenient, still valid
    *["15710101012000011", "157101450190000\u0663", "\u0661" * 16, "1571 011001"],
    "\uff11571011001",  # a fullwidth digit
]


@st.composite
def broken(draw: st.DrawFn) -> dict[str, str]:
    """A valid row with one or two cells broken: replaced by an odd value, padded,
    cut, lengthened, case-changed, or one character swapped for another."""
    row = draw(VALID)
    for _ in range(draw(st.integers(1, 2))):
        column = draw(st.sampled_from(SNAPSHOT_FIELDS))
        value = row[column]
        how = draw(st.sampled_from(["odd", "pad", "cut", "grow", "case", "swap", "any"]))
        if how == "odd":
            value = draw(st.sampled_from(ODD_CELLS))
        elif how == "pad":
            value = draw(st.sampled_from([" ", "\t", "\u00a0", "  "])) + value + " "
        elif how == "cut":
            value = value[: draw(st.integers(0, max(0, len(value) - 1)))]
        elif how == "grow":
            value += draw(st.sampled_from(["0", "1", " ", "a", "\u00b2"]))
        elif how == "case":
            value = value.lower() if value != value.lower() else value.upper()
        elif how == "swap" and value:
            at = draw(st.integers(0, len(value) - 1))
            char = draw(st.sampled_from([*"0 9a-\u00b2\u0663\uff10\n", "\u0130"]))
            value = value[:at] + char + value[at + 1 :]
        else:
            value = draw(st.text(max_size=20))
        row[column] = value
    return row


# A cell near a valid one, per column: each NIK part and serial over its whole range and
# its edges, dates past and future, cases, leading zeros.
PART = st.one_of(
    st.sampled_from(["00", "01", "10", "11", "69", "70", "71", "96", "97"]), two(0, 99)
)
ANY_SERIAL = st.one_of(st.sampled_from(["0000", "0001", "9999"]), digits(4))
NEAR_CELLS = {
    "nik": st.tuples(PART, PART, PART, digits(6), ANY_SERIAL).map("".join),
    "kk": st.tuples(digits(12), ANY_SERIAL).map("".join),
    "name": st.one_of(NAME, st.text(alphabet="aZ9 .'-\u00e9\t", max_size=6)),
    "sex": st.sampled_from(["L", "P", "l", "p", "X", "", "LP", " L"]),
    "birth_date": st.one_of(
        st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
        st.dates().map(lambda d: d.strftime("%Y%m%d")),
    ),
    "kelurahan": st.integers(0, 10**11).map(str),
    "welfare_decile": st.one_of(
        st.integers(-1, 12).map(str), st.integers(0, 12).map("{:02d}".format)
    ),
}


@st.composite
def near(draw: st.DrawFn) -> dict[str, str]:
    """A valid row with one cell replaced by one near a valid value."""
    column = draw(st.sampled_from(SNAPSHOT_FIELDS))
    return draw(VALID) | {column: draw(NEAR_CELLS[column])}


def full(row: dict[str, str]) -> RegistryRow | None:
    outcome = validate_registry_row(row, today=TODAY)
    return outcome if isinstance(outcome, RegistryRow) else None


@settings(max_examples=500)
@given(row=VALID)
@example(row=SITI)
def test_a_well_formed_row_takes_the_fast_path_and_gives_the_full_check_s_row(
    row: dict[str, str],
) -> None:
    fast = fast_registry_row(row, today=TODAY)

    assert fast is not None
    assert fast == full(row)


@settings(max_examples=3000)
@given(row=st.one_of(broken(), near()))
@example(row=SITI | {"welfare_decile": "01"})
@example(row=SITI | {"sex": "p"})
@example(row=SITI | {"name": " Siti  Aminah "})
@example(row=SITI | {"kk": "\u0661" * 16})
@example(row=SITI | {"birth_date": "2026-11-30"})
@example(row=SITI | {"nik": "1571019901900001"})
def test_the_fast_path_never_accepts_what_the_full_check_rejects_nor_differs(
    row: dict[str, str],
) -> None:
    fast = fast_registry_row(row, today=TODAY)

    assert fast is None or fast == full(row)


@pytest.mark.parametrize("value", ODD_CELLS)
@pytest.mark.parametrize("column", SNAPSHOT_FIELDS)
def test_no_odd_value_in_any_column_makes_the_two_checks_disagree(column: str, value: str) -> None:
    row = SITI | {column: value}

    fast = fast_registry_row(row, today=TODAY)

    assert fast is None or fast == full(row)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("nik", "1571014501900000"),  # serial 0000
        ("nik", "1071014501900001"),  # province 10
        ("nik", "157101450190000\u0663"),
        ("kk", "1571010101200000"),
        ("name", "12"),
        ("sex", "X"),
        ("birth_date", "2026-11-30"),
        ("birth_date", "2023-02-30"),
        ("kelurahan", "157101100"),
        ("welfare_decile", "0"),
        ("welfare_decile", "11"),
        ("welfare_decile", "\u00b2"),
        ("welfare_decile", ""),
    ],
)
def test_a_row_the_full_check_rejects_is_not_taken_by_the_fast_path(
    column: str, value: str
) -> None:
    row = SITI | {column: value}

    assert full(row) is None
    assert fast_registry_row(row, today=TODAY) is None


@pytest.mark.parametrize(
    ("column", "value", "read"),
    [
        ("welfare_decile", "01", 1),
        ("sex", "p", "P"),
        ("name", " Siti  Aminah ", "Siti Aminah"),
        ("kelurahan", "1571 011001", "1571011001"),
    ],
)
def test_a_valid_row_not_in_canonical_form_is_left_to_the_full_check(
    column: str, value: str, read: object
) -> None:
    row = SITI | {column: value}

    assert fast_registry_row(row, today=TODAY) is None
    accepted = full(row)
    assert accepted is not None
    assert getattr(accepted, column) == read


def test_a_row_missing_a_column_is_left_to_the_full_check() -> None:
    row = {k: v for k, v in SITI.items() if k != "kelurahan"}

    assert fast_registry_row(row, today=TODAY) is None


# ---- the same check on a row's cells as read, in the file's column order -----------------


@settings(max_examples=2000)
@given(row=st.one_of(VALID, broken(), near()), order=st.permutations(SNAPSHOT_FIELDS))
@example(row=SITI | {"name": " Siti Aminah"}, order=list(SNAPSHOT_FIELDS))
def test_the_check_of_a_row_s_cells_in_any_column_order_is_the_check_of_its_mapping(
    row: dict[str, str], order: list[str]
) -> None:
    values = canonical_cells(order, today=TODAY, max_cell_chars=4096)

    assert values is not None
    assert values([row[column] for column in order]) == canonical_values(row, today=TODAY)


def test_a_row_with_a_cell_more_or_less_than_the_header_is_left_to_the_full_check() -> None:
    values = canonical_cells(list(SNAPSHOT_FIELDS), today=TODAY, max_cell_chars=4096)
    assert values is not None
    cells = list(SITI.values())

    assert values(cells) is not None
    assert values([*cells, "extra"]) is None
    assert values(cells[:-1]) is None


@pytest.mark.parametrize(
    ("columns", "max_cell_chars"),
    [
        ([*SNAPSHOT_FIELDS, ""], 4096),  # a blank column in the header
        (list(SNAPSHOT_FIELDS[:-1]), 4096),  # a column missing
        (list(SNAPSHOT_FIELDS), 199),  # a canonical name could be over the cell limit
    ],
)
def test_no_fast_check_of_cells_for_a_header_other_than_the_snapshot_s_or_a_low_cell_limit(
    columns: list[str], max_cell_chars: int
) -> None:
    assert canonical_cells(columns, today=TODAY, max_cell_chars=max_cell_chars) is None


# ---- the parse: same records with and without the fast check -----------------------------

LINES = [
    ",".join(SITI.values()),
    "1571010501900002,1571010101200002,Budi Santoso,L,1990-01-05,1571011001,5",
    "1571010501900003,1571010101200002,Budi,l,1990-01-05,1571011001,01",  # valid, slow path
    "1571010501900004,1571010101200000,Budi,L,1990-01-05,1571011001,2",  # KK serial 0000
    "1571010501900005,1571010101200003,Budi,L,2999-01-05,1571011001,2",  # future birth
    "15710105019000x6,1571010101200003,Budi,L,1990-01-05,1571011001,2",  # no usable NIK
    "1571010501900007,1571010101200003,Budi,L,1990-01-05,1571011001,2,extra",  # surplus
    '1571010501900008,1571010101200003,"Budi\nSantoso",L,1990-01-05,1571011001,2',
    "1571010501900009,1571010101200003,Ani,P,1990-01-05,1571011001,10",
]


def clear_seal(_pid: str, values: RegistryValues) -> tuple[bytes, ...]:
    """A stand-in for the candidate's cipher: the values it would seal, as bytes."""
    nik, kk, name, _sex, birth_date, _kelurahan, _decile = values
    return ("|".join((nik, kk, name, birth_date.isoformat())).encode(),)


async def parsed(path: Path) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    parse = SnapshotParse(
        path, "pseudonym-key", max_errors=100, eligible=(1, 2, 3, 4), seal=clear_seal
    )
    records = [r async for r in parse.records()]
    tally = (parse.read, parse.valid, parse.invalid, parse.last_line, parse.last_valid)
    return records, (*tally, [(e.line, e.field, e.rule) for e in parse.errors])


async def test_the_parse_gives_the_same_records_and_errors_with_and_without_the_fast_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "snapshot.csv"
    path.write_text(",".join(SNAPSHOT_FIELDS) + "\n" + "\n".join(LINES) + "\n", "utf-8")
    fast = await parsed(path)
    monkeypatch.setattr(snapshot_file, "canonical_cells", lambda *_, **__: None)

    slow = await parsed(path)

    assert fast == slow
    records, (read, valid, invalid, last_line, last_valid, errors) = fast
    assert (read, valid, invalid, last_line, last_valid) == (9, 5, 4, 10, True)
    assert [r[0] for r in records if r[2]] == [2, 3, 4, 9, 10]
    assert [r[0] for r in records if not r[2]] == [5, 6, 8]  # line 7 has no usable NIK
    assert [(line, rule) for line, _, rule in errors] == [
        (5, "KK_FORMAT"),
        (6, "DATE_IN_FUTURE"),
        (7, "NIK_FORMAT"),
        (8, "TOO_MANY_CELLS"),
    ]
    # a valid row of an eligible decile carries its personal fields sealed, no other row
    eligible = [r for r in records if r[2] and r[5] <= 4]
    assert [r[0] for r in eligible] == [2, 4, 9]
    assert all(r[6:] == (None,) for r in records if r not in eligible)
    assert eligible[1][6:] == (b"1571010501900003|1571010101200002|Budi|1990-01-05",)
    # the pseudonym is the NIK's, for an invalid row too (it is still in the registry)
    niks = {line: LINES[line - 2].split(",")[0] for line in (2, 3, 4, 5, 6, 8, 9, 10)}
    assert all(r[1] == participant_id_for(niks[r[0]], "pseudonym-key") for r in records)


async def test_the_parse_reads_a_snapshot_with_its_columns_in_another_order_alike(
    tmp_path: Path,
) -> None:
    in_order, reordered = tmp_path / "in_order.csv", tmp_path / "reordered.csv"
    in_order.write_text(",".join(SNAPSHOT_FIELDS) + "\n" + "\n".join(LINES) + "\n", "utf-8")
    # the same rows, their columns reversed (a cell past the header's stays past it)
    rows = [next(csv.reader(io.StringIO(line))) for line in LINES]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [list(reversed(SNAPSHOT_FIELDS)), *([*reversed(r[:7]), *r[7:]] for r in rows)]
    )
    reordered.write_text(out.getvalue(), "utf-8")

    assert await parsed(reordered) == await parsed(in_order)
