"""Snapshots of the social-welfare registry (DTKS, being replaced by DTSEN) for the
quarterly reconciliation (docs/domain.md#snapshot-diff).

A snapshot lists every registered person with a welfare decile, 1 (poorest) to 10.
Diffed against the participants: a participant missing from it is *tidak ditemukan*
(not found), one above the eligible deciles is *mampu* (no longer poor), and a resident
within them who is not proposed is a candidate to refill freed quota.

Snapshots run to a million rows, so a row is checked with cheap rules only (formats and
ranges); the Health Office checks each proposal in full when it is made. Almost every row
of a real snapshot is already in canonical form, and ``fast_registry_row`` accepts such a
row with one regular expression and a date; any other row goes to
``validate_registry_row``, which alone reports errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

from jkn_contracts.nik import NikError, parse_nik

from enrollment.domain.fields import FieldError, FieldReader
from enrollment.domain.proposal_fields import birth_date_of, decile_of, name_of, sex_of

__all__ = [
    "DEFAULT_ELIGIBLE_DECILES",
    "SNAPSHOT_FIELDS",
    "RegistryRow",
    "RegistryValues",
    "Seal",
    "canonical_cells",
    "canonical_values",
    "fast_registry_row",
    "parse_deciles",
    "validate_registry_row",
]

SNAPSHOT_FIELDS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "welfare_decile")
DEFAULT_ELIGIBLE_DECILES = (1, 2, 3, 4)  # programs usually target 1-4 (docs/domain.md#rule-4)

_SIXTEEN = re.compile(r"\d{16}")


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One valid registry row. Personal fields are left out of ``repr``."""

    nik: str = field(repr=False)
    kk: str = field(repr=False)
    name: str = field(repr=False)
    sex: str
    birth_date: date = field(repr=False)
    kelurahan: str
    welfare_decile: int


def validate_registry_row(
    fields: Mapping[str, str], *, today: date
) -> RegistryRow | list[FieldError]:
    """Check a snapshot row; return the RegistryRow or every FieldError found.

    The NIK is parsed leniently (old NIKs may break the date rule); the KK must be 16
    digits with a serial other than 0000.
    """
    read = FieldReader(fields)
    nik = read.text("nik")
    if nik is not None:
        try:
            parse_nik(nik, strict=False, today=today)
        except NikError as error:
            read.errors.append(FieldError.from_problem(error.problem))
    kk = read.text("kk")
    if kk is not None and (not _SIXTEEN.fullmatch(kk) or kk.endswith("0000")):
        read.fail(
            "kk",
            "KK_FORMAT",
            "The KK number must be 16 digits with a serial other than 0000. / "
            "Nomor KK harus 16 angka dengan nomor urut bukan 0000.",
        )
    name, sex, born = name_of(read), sex_of(read), birth_date_of(read, today)
    kelurahan = read.digits("kelurahan", 10, "KELURAHAN_FORMAT")
    decile = decile_of(read)
    if decile is None and not any(e.field == "welfare_decile" for e in read.errors):
        read.fail(
            "welfare_decile",
            "REQUIRED",
            "'welfare_decile' is required. / 'welfare_decile' wajib diisi.",
        )
    if (
        read.errors
        or nik is None
        or kk is None
        or name is None
        or sex is None
        or born is None
        or kelurahan is None
        or decile is None
    ):
        return read.errors
    return RegistryRow(nik, kk, name, sex, born, kelurahan, decile)


RegistryValues = tuple[str, str, str, str, date, str, int]
"""A RegistryRow's fields in order: nik, kk, name, sex, birth_date, kelurahan, decile."""
Seal = Callable[[str, RegistryValues], tuple[bytes | None, ...]]
"""A candidate's personal fields (nik, kk, name, birth_date) sealed as one value, given its
pseudonym (``adapters.snapshots.CandidateSeal``)."""
_CELLS = itemgetter(*SNAPSHOT_FIELDS)
_LONGEST_CANONICAL = 200  # characters: the name, the longest cell _CANONICAL admits
# A row in canonical form, its cells joined by "\n" (no class below admits "\n", so a
# cell holding one cannot match): ASCII digits only ("\d" would take "٣"), the NIK's
# region and serial rules of jkn_contracts.nik (lenient: its date is not checked), a KK
# with a serial other than 0000, a name of 2-200 characters starting with an ASCII letter
# with single spaces, L or P, YYYY-MM-DD, a 10-digit kelurahan and a decile 1-10 without
# a leading zero. No cell has outer spaces. Whatever is not matched is validated in full.
_CANONICAL = re.compile(
    r"(?:1[1-9]|[2-8][0-9]|9[0-6])(?:0[1-9]|[1-6][0-9]|7[1-9]|[89][0-9])(?:0[1-9]|[1-9][0-9])"
    r"[0-9]{6}(?!0000)[0-9]{4}\n"
    r"[0-9]{12}(?!0000)[0-9]{4}\n"
    r"(?=[^\n]{2,200}\n)[A-Za-z][A-Za-z'.,-]*(?: [A-Za-z'.,-]+)*\n"
    r"[LP]\n"
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}\n"
    r"[0-9]{10}\n"
    r"(?:[1-9]|10)"
)


def fast_registry_row(fields: Mapping[str, str], *, today: date) -> RegistryRow | None:
    """The RegistryRow of a row already in canonical form, else None (validate it in full).

    Never accepts a row ``validate_registry_row`` rejects, and gives the same RegistryRow
    (a property test holds it to that): it exists because the full check costs about ten
    times as much, and a million-row snapshot is almost all well-formed rows.
    """
    values = canonical_values(fields, today=today)
    return None if values is None else RegistryRow(*values)


def canonical_values(fields: Mapping[str, str], *, today: date) -> RegistryValues | None:
    """``fast_registry_row``'s answer as a tuple in RegistryRow's field order: building
    the frozen RegistryRow costs as much as this check, and the snapshot's COPY wants a
    tuple."""
    try:
        cells: tuple[str, ...] = _CELLS(fields)
    except KeyError:
        return None
    return _canonical(cells, today)


def canonical_cells(
    columns: Sequence[str], *, today: date, max_cell_chars: int
) -> Callable[[Sequence[str]], RegistryValues | None] | None:
    """``canonical_values`` of a row's cells as the CSV reader gives them, untrimmed, in the
    file's column order (``columns``, its header): what the parse of a snapshot asks of a
    row first (``domain.csv_import.iter_rows``'s ``fast``), before building the row's
    mapping, which costs as much again. None when the header is not the seven snapshot
    columns, or a cell of canonical length could be over ``max_cell_chars``.

    It accepts exactly the rows ``canonical_values`` accepts as read (a row of seven cells
    with no outer spaces, its name at most 200 characters, so no cell over the limit and
    none trimmed), with the same values; a row it leaves (None) is read and checked the
    usual way."""
    if max_cell_chars < _LONGEST_CANONICAL or sorted(columns) != sorted(SNAPSHOT_FIELDS):
        return None
    width, order = len(columns), itemgetter(*(columns.index(f) for f in SNAPSHOT_FIELDS))

    def values(cells: Sequence[str]) -> RegistryValues | None:
        return _canonical(order(cells), today) if len(cells) == width else None

    return values


def _canonical(cells: tuple[str, ...], today: date) -> RegistryValues | None:
    if _CANONICAL.fullmatch("\n".join(cells)) is None:
        return None
    nik, kk, name, sex, birth, kelurahan, decile = cells
    try:
        born = date.fromisoformat(birth)
    except ValueError:  # 2023-02-30
        return None
    if born > today:
        return None
    return nik, kk, name, sex, born, kelurahan, int(decile)


def parse_deciles(text: str) -> tuple[int, ...]:
    """The eligible deciles from a setting such as "1,2,3,4" (sorted, each 1-10)."""
    deciles = sorted({int(part) for part in text.split(",") if part.strip()})
    if not deciles or not all(1 <= d <= 10 for d in deciles):
        raise ValueError("eligible deciles must be a comma-separated list of numbers 1-10")
    return tuple(deciles)
