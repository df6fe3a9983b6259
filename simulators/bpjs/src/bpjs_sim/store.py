"""The simulator's own peserta register, an SQLite file so it survives restarts."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path

__all__ = ["PesertaRow", "SqliteStore"]

# Card numbers the simulator issues: 13 digits, "000" like PBI cards, then a counter.
_FIRST_CARD = 2_157_100_001


@dataclass(frozen=True)
class PesertaRow:
    """One BPJS card and its holder, as the simulator stores it (codes, not labels)."""

    no_kartu: str
    nik: str
    nama: str
    sex: str
    tgl_lahir: str
    no_kk: str
    jenis: str
    hak_kelas: str
    status: str
    kd_provider: str
    nm_provider: str
    tgl_tmt: str
    tgl_tat: str
    kd_pemda: str

    def with_(self, **changes: str) -> PesertaRow:
        """A copy with some fields changed."""
        return replace(self, **changes)


_COLUMNS = [f.name for f in fields(PesertaRow)]
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS peserta ({", ".join(_COLUMNS)}, PRIMARY KEY (no_kartu));
CREATE INDEX IF NOT EXISTS peserta_nik ON peserta (nik);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class SqliteStore:
    """Thread-safe access to the register; FastAPI runs sync handlers in a thread pool."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def upsert(self, row: PesertaRow) -> None:
        """Insert or replace the card ``row.no_kartu``."""
        marks = ", ".join("?" * len(_COLUMNS))
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO peserta VALUES ({marks})", astuple(row))  # noqa: S608 - fixed column list

    def by_card(self, no_kartu: str) -> PesertaRow | None:
        """The card with this number, if issued."""
        with self._lock:
            found = self._db.execute(
                "SELECT * FROM peserta WHERE no_kartu = ?", (no_kartu,)
            ).fetchone()
        return None if found is None else PesertaRow(*found)

    def by_nik(self, nik: str) -> list[PesertaRow]:
        """Every card ever issued to this NIK, newest coverage first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM peserta WHERE nik = ? ORDER BY tgl_tmt DESC, no_kartu DESC", (nik,)
            ).fetchall()
        return [PesertaRow(*r) for r in rows]

    def next_card_number(self) -> str:
        """Issue a fresh 13-digit card number, never one already in the register."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                found = self._db.execute(
                    "SELECT value FROM counters WHERE name = 'kartu'"
                ).fetchone()
                value = _FIRST_CARD if found is None else int(found[0]) + 1
                while self._db.execute(
                    "SELECT 1 FROM peserta WHERE no_kartu = ?", (f"{value:013d}",)
                ).fetchone():
                    value += 1  # a seeded card may already hold the next number
                self._db.execute("INSERT OR REPLACE INTO counters VALUES ('kartu', ?)", (value,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return f"{value:013d}"

    def clear(self) -> None:
        """Forget every peserta (the card counter goes on, so numbers are never reused)."""
        with self._lock:
            self._db.execute("DELETE FROM peserta")
