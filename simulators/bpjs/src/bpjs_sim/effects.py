"""What the registration port did, counted per card: the fault suite's ground truth.

A fault suite kills services and the simulator and redelivers events; afterwards it must
count where effects *landed* (how many *tambah* really changed BPJS's register for each
resident), not infer them from events. These counters are written in the same SQLite
transaction as the change they count (``store.SqliteStore``), so they survive a SIGKILL
exactly as the register does, and never count a change the register lost.

Keys are card numbers, never NIKs. A refusal for a NIK that holds no card (an unknown
NIK, an incomplete *tambah*) counts in the totals only.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

__all__ = ["KINDS", "NO_CARD", "SCHEMA", "EffectTally"]

# applied: the register changed; repeated: answered as a success, nothing changed
# (the idempotent answers of the default mode); refused: a metaData code 201.
KINDS = (
    "tambah_applied",
    "tambah_repeated",
    "kurang_applied",
    "kurang_repeated",
    "ubah_applied",
    "ubah_repeated",
    "refused",
    "cards_issued",
)
NO_CARD = ""  # the key of refusals that concern no card

SCHEMA = """
CREATE TABLE IF NOT EXISTS effects (
    card TEXT NOT NULL, kind TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (card, kind)
);
"""

Delta = Counter[tuple[str, str]]


class EffectTally:
    """The counters in memory, mirrored from (and written through to) the ``effects`` table.

    Not thread-safe by itself: the store calls it under its write lock.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._counts: Delta = Counter()
        for card, kind, n in db.execute("SELECT card, kind, n FROM effects"):
            self._counts[(card, kind)] = int(n)

    @staticmethod
    def write(db: sqlite3.Connection, delta: Delta) -> None:
        """Add ``delta`` to the table, inside the caller's transaction."""
        db.executemany(
            "INSERT INTO effects (card, kind, n) VALUES (?, ?, ?)"
            " ON CONFLICT (card, kind) DO UPDATE SET n = n + excluded.n",
            [(card, kind, n) for (card, kind), n in delta.items()],
        )

    def add(self, delta: Delta) -> None:
        """Add ``delta`` in memory, once its transaction has committed."""
        self._counts.update(delta)

    def clear(self, db: sqlite3.Connection) -> None:
        """Forget every count, in the file and in memory."""
        db.execute("DELETE FROM effects")
        self._counts.clear()

    def summary(self) -> dict[str, Any]:
        """Totals per kind, and the non-zero counts of each card."""
        totals = dict.fromkeys(KINDS, 0)
        per_card: dict[str, dict[str, int]] = {}
        for (card, kind), n in self._counts.items():
            totals[kind] = totals.get(kind, 0) + n
            if card != NO_CARD:
                per_card.setdefault(card, dict.fromkeys(KINDS, 0))[kind] = n
        return {**totals, "per_card": per_card}
