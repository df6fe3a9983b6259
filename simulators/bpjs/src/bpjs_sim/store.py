"""The simulator's own peserta register: answered from memory, kept in an SQLite file.

Reads never touch SQLite: at start the file is loaded into two dicts (by card, by NIK)
and every look-up is answered from them, so the simulator is not the ceiling of a load
run. Writes go through :meth:`SqliteStore.writing`: one SQLite transaction per request
(the row, the card counter and the effect counters together), committed *before* the
answer is sent and before memory changes, so whatever the simulator answered is in the
file, and memory never shows what the file lacks.

The file is in WAL mode with ``synchronous=NORMAL``: a commit is appended to the WAL
without an fsync, which is durable against a SIGKILL of the simulator (the data is in
the operating system's page cache, which outlives the process) though not against a
power cut. A process kill is the failure the fault suite inflicts; a machine crash of a
development simulator is not worth an fsync per call.

One process owns the file while it serves: seeding the file with ``python -m bpjs_sim
seed`` while the simulator runs is not seen by it (use ``POST /_sim/seed`` then).
Other processes may read the file (the invariant checker does, read-only).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path
from typing import Any

from bpjs_sim.effects import NO_CARD, EffectTally
from bpjs_sim.effects import SCHEMA as EFFECTS_SCHEMA

__all__ = ["PesertaRow", "SqliteStore", "Writes"]

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
{EFFECTS_SCHEMA}
"""
_UPSERT = f"INSERT OR REPLACE INTO peserta VALUES ({', '.join('?' * len(_COLUMNS))})"  # noqa: S608 - fixed column list


def _newest_first(cards: Iterable[PesertaRow]) -> list[PesertaRow]:
    """Newest coverage first, then the higher card number (the order look-ups rely on)."""
    return sorted(cards, key=lambda c: (c.tgl_tmt, c.no_kartu), reverse=True)


def _card_number(value: int) -> str:
    return f"{value:013d}"


class Writes:
    """The changes of one request, seen by its own reads, committed together or not at all."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        self.rows: dict[str, PesertaRow] = {}
        self._pending_by_nik: dict[str, set[str]] = {}
        self.effects: Counter[tuple[str, str]] = Counter()
        self.last_card = store.last_card

    def by_card(self, no_kartu: str) -> PesertaRow | None:
        """The card as this request left it, else as the register holds it."""
        pending = self.rows.get(no_kartu)
        return pending if pending is not None else self._store.by_card(no_kartu)

    def by_nik(self, nik: str) -> list[PesertaRow]:
        """Every card of this NIK, this request's changes included, newest coverage first."""
        cards = {c.no_kartu: c for c in self._store.by_nik(nik) if c.no_kartu not in self.rows}
        for no_kartu in self._pending_by_nik.get(nik, ()):
            row = self.rows[no_kartu]
            if row.nik == nik:
                cards[no_kartu] = row
        return _newest_first(cards.values())

    def upsert(self, row: PesertaRow) -> None:
        """Insert or replace the card ``row.no_kartu``."""
        self.rows[row.no_kartu] = row
        self._pending_by_nik.setdefault(row.nik, set()).add(row.no_kartu)

    def next_card_number(self) -> str:
        """A fresh 13-digit card number, never one already in the register."""
        value = self.last_card + 1
        while self.by_card(_card_number(value)) is not None:
            value += 1  # a seeded card may already hold the next number
        self.last_card = value
        return _card_number(value)

    def count(self, kind: str, card: str | None) -> None:
        """Count one effect of ``kind`` on ``card`` (``None``: a refusal with no card)."""
        self.effects[(card or NO_CARD, kind)] += 1


class SqliteStore:
    """The register; thread-safe, since FastAPI runs sync handlers in a thread pool.

    Reads take no lock: the dicts are only changed by whole-value assignments under the
    write lock, after the commit.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable against a kill; see above
        self._db.executescript(_SCHEMA)
        self._by_card: dict[str, PesertaRow] = {}
        self._by_nik: dict[str, tuple[str, ...]] = {}
        for found in self._db.execute("SELECT * FROM peserta"):
            self._index(PesertaRow(*found))
        found = self._db.execute("SELECT value FROM counters WHERE name = 'kartu'").fetchone()
        self.last_card = _FIRST_CARD - 1 if found is None else int(found[0])
        self._effects = EffectTally(self._db)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def by_card(self, no_kartu: str) -> PesertaRow | None:
        """The card with this number, if issued."""
        return self._by_card.get(no_kartu)

    def by_nik(self, nik: str) -> list[PesertaRow]:
        """Every card ever issued to this NIK, newest coverage first."""
        found = (self._by_card.get(no_kartu) for no_kartu in self._by_nik.get(nik, ()))
        return _newest_first(c for c in found if c is not None and c.nik == nik)

    def card_count(self) -> int:
        """How many cards the register holds (a method, not ``__len__``: an empty store
        must stay truthy where callers write ``store or SqliteStore(...)``)."""
        return len(self._by_card)

    @contextmanager
    def writing(self) -> Iterator[Writes]:
        """Collect one request's changes; commit them when the block ends without error.

        Requests that write run one at a time, so a read-check-write (is this NIK
        registered? then issue a card) is never interleaved with another.
        """
        with self._lock:
            writes = Writes(self)
            yield writes
            self._commit(writes)

    def _commit(self, writes: Writes) -> None:
        if not writes.rows and not writes.effects and writes.last_card == self.last_card:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(_UPSERT, [astuple(row) for row in writes.rows.values()])
            if writes.last_card != self.last_card:
                self._db.execute(
                    "INSERT OR REPLACE INTO counters VALUES ('kartu', ?)", (writes.last_card,)
                )
            EffectTally.write(self._db, writes.effects)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        # Only now, once the file holds them, may a look-up see the changes.
        for row in writes.rows.values():
            self._index(row)
        self.last_card = writes.last_card
        self._effects.add(writes.effects)

    def _index(self, row: PesertaRow) -> None:
        previous = self._by_card.get(row.no_kartu)
        if previous is not None and previous.nik != row.nik:  # a re-seed under another NIK
            left = tuple(c for c in self._by_nik.get(previous.nik, ()) if c != row.no_kartu)
            self._by_nik[previous.nik] = left
        self._by_card[row.no_kartu] = row
        cards = self._by_nik.get(row.nik, ())
        if row.no_kartu not in cards:
            self._by_nik[row.nik] = (*cards, row.no_kartu)

    def upsert(self, row: PesertaRow) -> None:
        """Insert or replace the card ``row.no_kartu`` (one transaction)."""
        with self.writing() as writes:
            writes.upsert(row)

    def next_card_number(self) -> str:
        """Issue a fresh 13-digit card number, never one already in the register."""
        with self.writing() as writes:
            return writes.next_card_number()

    def effects(self) -> dict[str, Any]:
        """What the registration port did: see ``bpjs_sim.effects``."""
        with self._lock:
            return self._effects.summary()

    def clear_effects(self) -> None:
        """Set every effect counter back to zero."""
        with self._lock:
            self._effects.clear(self._db)

    def clear(self) -> None:
        """Forget every peserta (the card counter goes on, so numbers are never reused).

        The effect counters stay: they count what happened, not what is registered.
        """
        with self._lock:
            self._db.execute("DELETE FROM peserta")
            self._by_card = {}
            self._by_nik = {}
