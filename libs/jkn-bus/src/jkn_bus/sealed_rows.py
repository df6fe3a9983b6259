"""A service's personal columns at rest, and the start-up conversion of rows written in clear.

:class:`PersonalColumns` puts ``jkn_bus.at_rest`` to work on one table whose personal
columns each have a sealed twin (``<column>_sealed bytea``):

- a row about a participant is sealed under **that resident's key** (``ResidentColumns``),
  so Dinas Sosial's erasure (the key destroyed) makes every copy unreadable at once;
- a row about no participant (the public's feedback), or about a resident the keyring holds
  no live key of (one proposed before the keyring existed), is sealed under **the service's
  own key** (``ServiceColumns``), bound to the row's key; such rows are blanked by the
  service's erasure handler, as before.

Reading takes the sealed twin when there is one, else the clear column (a row the backfill
has not converted yet); a value whose resident was erased reads as ``None``.

:class:`Backfill` converts the rows still holding clear values, in batches, each one short
transaction (``FOR UPDATE SKIP LOCKED``: two replicas share the work), until none is left;
a converted row no longer matches, so the work is idempotent and resumes where it stopped.
It logs how many rows it converted per table, never a value.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from jkn_bus.at_rest import RESIDENT, ResidentColumns, ServiceColumns, ServiceKeys
from jkn_bus.keyring import KeyringPort
from jkn_bus.personal_data import PersonalDataErased

__all__ = ["Backfill", "ClearRows", "PersonalColumns", "sealed"]

log = logging.getLogger(__name__)


def sealed(column: str) -> str:
    """The name of a clear column's sealed twin."""
    return f"{column}_sealed"


@dataclass(frozen=True)
class PersonalColumns:
    """The personal columns of ``table``, sealed under a resident's key or the service's."""

    keyring: KeyringPort
    keys: ServiceKeys
    table: str

    async def seal(
        self,
        conn: Any,
        row_key: str,
        values: Mapping[str, str | None],
        *,
        resident: bool,
    ) -> dict[str, bytes | None]:
        """Each value sealed (``None`` and ``''`` stay ``None``). ``resident``: ``row_key``
        is a participant id, sealed under their key when the keyring holds a live one."""
        clear = {column: value or None for column, value in values.items()}
        if all(value is None for value in clear.values()):
            return dict.fromkeys(clear)
        if resident:
            try:
                return await ResidentColumns(self.keyring, self.table).seal(conn, row_key, clear)
            except PersonalDataErased:
                pass  # no live key: the service's own, below
        return await ServiceColumns(self.keys, self.table).seal(conn, row_key, clear)

    async def open(
        self, conn: Any, row_key: str, row: Any, columns: Sequence[str]
    ) -> dict[str, str | None]:
        """``columns`` of ``row`` (a record) in clear: the sealed twin opened when there is
        one (``None`` once the resident is erased), else the clear column (a row not
        converted yet)."""
        clear: dict[str, str | None] = {}
        for column in columns:
            blob = row[sealed(column)]
            if blob is None:
                clear[column] = row[column]
                continue
            raw = bytes(blob)
            if raw[0] == RESIDENT:
                try:
                    opened = await ResidentColumns(self.keyring, self.table).open(
                        conn, row_key, {column: raw}
                    )
                except PersonalDataErased:
                    opened = {column: None}
            else:
                opened = await ServiceColumns(self.keys, self.table).open(
                    conn, row_key, {column: raw}
                )
            clear[column] = opened[column]
        return clear


@dataclass(frozen=True)
class ClearRows:
    """Where one table's clear values are: ``key`` identifies a row, ``row_key`` (an SQL
    expression) is what its values are bound to, ``participant`` (an SQL expression, or
    None) the resident whose key seals them when it is a participant id."""

    columns: PersonalColumns
    key: str
    row_key: str
    clear: tuple[str, ...]
    participant: str | None = None


class Backfill:
    """Seals the clear values of ``tables`` in batches of ``batch`` rows, one transaction
    each; :meth:`run` converts until nothing is left and logs the counts."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        tables: Sequence[ClearRows],
        *,
        service: str,
        batch: int = 200,
        retry_s: float = 60.0,
    ) -> None:
        self._pool = pool
        self._tables = tables
        self._service = service
        self._batch = batch
        self._retry_s = retry_s

    async def run(self) -> None:
        """Convert every table's rows until none holds a clear value. A failed pass (the
        database, a KEK missing: whatever the cause) is logged by its class, and a pass
        that left rows behind (locked by a writer meanwhile) is run again, ``retry_s``
        later."""
        while True:
            try:
                await self.run_once()
                if not await self.remaining():
                    return
            except Exception as exc:  # a background pass must not die unseen
                log.warning(
                    "at-rest backfill of %s failed (%s); retried in %ss",
                    self._service,
                    type(exc).__name__,
                    self._retry_s,
                )
            await asyncio.sleep(self._retry_s)

    async def remaining(self) -> int:
        """Rows of every table still holding a clear value."""
        total = 0
        for rows in self._tables:
            pending = " OR ".join(f"{c} IS NOT NULL" for c in rows.clear)
            found = await self._pool.fetchval(
                f"SELECT count(*) FROM {rows.columns.table} WHERE {pending}"  # noqa: S608 - constant names
            )
            total += int(found)
        return total

    async def run_once(self) -> dict[str, int]:
        """One pass over every table; ``{table: rows converted}``."""
        converted: dict[str, int] = {}
        for rows in self._tables:
            total = 0
            while done := await self.batch(rows):
                total += done
            converted[rows.columns.table] = total
            if total:
                log.info(
                    "at-rest backfill of %s.%s: %d row(s) sealed",
                    self._service,
                    rows.columns.table,
                    total,
                )
        return converted

    async def batch(self, rows: ClearRows) -> int:
        """Seal one batch of ``rows``' table; the number of rows converted (0: done)."""
        table = rows.columns.table
        pending = " OR ".join(f"{c} IS NOT NULL" for c in rows.clear)
        participant = rows.participant or "NULL::text"
        async with self._pool.acquire() as conn, conn.transaction():
            found = await conn.fetch(
                f"SELECT {rows.key} AS k, {rows.row_key} AS row_key, {participant} AS pid,"  # noqa: S608 - constant names
                f" {', '.join(rows.clear)} FROM {table} WHERE {pending}"
                f" ORDER BY {rows.key} LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch,
            )
            setting = ", ".join(
                f"{c} = NULL, {sealed(c)} = coalesce(${n}, {sealed(c)})"
                for n, c in enumerate(rows.clear, start=2)
            )
            for row in found:
                resident = row["pid"] is not None
                blobs = await rows.columns.seal(
                    conn,
                    row["pid"] if resident else row["row_key"],
                    {c: row[c] for c in rows.clear},
                    resident=resident,
                )
                await conn.execute(
                    f"UPDATE {table} SET {setting} WHERE {rows.key} = $1",  # noqa: S608 - constant names
                    row["k"],
                    *(blobs[c] for c in rows.clear),
                )
        return len(found)
