"""Reading a DTKS/DTSEN snapshot file as a stream: its header, its fingerprint, and its rows
as staging records, every bad line counted and the first ones kept for the report
(``app.snapshots`` copies the records into Postgres).

A staging record (``adapters.snapshots.STAGING_COLUMNS``) holds no personal data in clear:
the line, the pseudonym, validity, sex, kelurahan and decile, and, for a valid row in an
eligible decile (a refill candidate, if nobody proposed them yet), its NIK, KK, name and
birth date sealed by ``seal``, as one value, as the candidate's row will keep them. Sealing
while parsing lets Postgres take in the COPY on the other core, and the candidates are then
copied from staging inside Postgres (``keep_candidates``), not read back into Python and
sent again.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
from collections.abc import AsyncIterator, Collection, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from enrollment.app.findings_file import FileRejected, header_errors
from enrollment.domain import HeaderError, LineError, Row, outcome_of
from enrollment.domain.csv_import import MAX_CELL_CHARS, iter_rows_fast
from enrollment.domain.findings import fingerprint_lines
from enrollment.domain.snapshot import (
    SNAPSHOT_FIELDS,
    RegistryRow,
    RegistryValues,
    Seal,
    canonical_cells,
    validate_registry_row,
)

__all__ = ["SnapshotParse", "check_header", "file_fingerprint", "file_tail"]

_YIELD_EVERY = 5000  # rows between yields to the event loop while parsing

_NOT_SEALED = (None,)


def file_fingerprint(path: Path) -> str:
    with path.open("rb") as f:
        return fingerprint_lines(f)


def _rows(
    text: Iterable[str], max_cell_chars: int, share: tuple[int, int] | None, today: date
) -> Iterator[tuple[int, Row | RegistryValues]]:
    """The file's rows: a row in canonical form as its values (``canonical_cells``), any
    other as its ``Row``, to be checked in full."""
    return iter_rows_fast(
        text,
        required=SNAPSHOT_FIELDS,
        known=SNAPSHOT_FIELDS,
        max_cell_chars=max_cell_chars,
        share=share,
        fast=functools.partial(canonical_cells, today=today, max_cell_chars=max_cell_chars),
    )


def check_header(path: Path, *, max_cell_chars: int = MAX_CELL_CHARS) -> None:
    """Raise FileRejected when the header (or the encoding) is wrong."""
    try:
        with path.open(encoding="utf-8", newline="") as text:
            next(_rows(text, max_cell_chars, None, date.today()), None)
    except HeaderError as exc:
        raise header_errors(exc) from None
    except UnicodeDecodeError:
        raise FileRejected(
            [
                LineError(
                    1, "file", "ENCODING", "The file is not UTF-8 text. / Berkas bukan teks UTF-8."
                )
            ]
        ) from None


class SnapshotParse:
    """Streams staging records out of the file and tallies the lines."""

    def __init__(
        self,
        path: Path,
        pseudonym_key: str,
        max_errors: int,
        max_cell_chars: int = MAX_CELL_CHARS,
        *,
        eligible: Collection[int] = (),
        seal: Seal | None = None,
        share: tuple[int, int] | None = None,
    ) -> None:
        """``seal`` seals the valid rows whose decile is in ``eligible`` (none: no row).
        ``share=(k, n)``: only the rows numbered ``k`` modulo ``n`` (``app.snapshot_shares``)."""
        self._path, self._max_cell_chars, self._share = path, max_cell_chars, share
        self._eligible, self._seal = frozenset(eligible), seal
        self._key = pseudonym_key.encode()
        self._max_errors = max_errors
        self.read = self.valid = self.invalid = 0
        self.last_line, self.last_valid = 0, True
        self.errors: list[LineError] = []

    def _pid(self, nik: str) -> str:
        # = jkn_contracts.participant_id_for, the key encoded once
        return "P" + hmac.digest(self._key, nik.encode(), "sha256").hex()[:24]

    def _reject(self, line: int, problems: list[LineError]) -> None:
        self.invalid += 1
        if self.invalid <= self._max_errors:
            self.errors += problems

    async def records(self) -> AsyncIterator[tuple[Any, ...]]:
        """The staging records, the event loop let through every few thousand rows."""
        for at, record in enumerate(self.rows(), start=1):
            if at % _YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let the relay, consumer and HTTP breathe
            yield record

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The staging records (``records`` without the event loop: a worker process's)."""
        today = date.today()
        with self._path.open(encoding="utf-8", newline="") as text:
            for line, row in _rows(text, self._max_cell_chars, self._share, today):
                self.read += 1
                # the common case: a row in canonical form (domain.snapshot), read as values
                record = (
                    self._checked(line, row, today)
                    if isinstance(row, Row)
                    else self._valid(line, row)
                )
                if record is not None:
                    yield record

    def _valid(self, line: int, values: RegistryValues) -> tuple[Any, ...]:
        self.last_line, self.last_valid = line, True
        self.valid += 1
        pid = self._pid(values[0])
        sex, kelurahan, decile = values[3], values[5], values[6]
        if self._seal is not None and decile in self._eligible:
            return (line, pid, True, sex, kelurahan, decile, *self._seal(pid, values))
        return (line, pid, True, sex, kelurahan, decile, *_NOT_SEALED)

    def _checked(self, line: int, row: Row, today: date) -> tuple[Any, ...] | None:
        """The full check: the record, or None for an invalid row without a usable NIK."""
        outcome = outcome_of(row, lambda r: validate_registry_row(r, today=today))
        if isinstance(outcome, RegistryRow) and not row.surplus:
            r = outcome
            return self._valid(
                line, (r.nik, r.kk, r.name, r.sex, r.birth_date, r.kelurahan, r.welfare_decile)
            )
        problems = [] if isinstance(outcome, RegistryRow) else outcome
        found = [LineError(line, e.field, e.rule, e.message) for e in problems]
        if row.surplus:
            found.append(
                LineError(
                    line,
                    "row",
                    "TOO_MANY_CELLS",
                    "The row has cells outside the header's columns. / "
                    "Baris memiliki sel di luar kolom judul.",
                )
            )
        self.last_line, self.last_valid = line, False
        self._reject(line, found)
        nik = row.get("nik", "")
        if len(nik) == 16 and nik.isascii() and nik.isdigit():
            # Still proof the person is in the registry (not "tidak ditemukan").
            return (line, self._pid(nik), False, None, None, None, *_NOT_SEALED)
        return None


def file_tail(path: Path) -> bytes:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        return f.read()
