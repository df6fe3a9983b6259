"""Loading the registries' exports (civil_registry.csv, dtks.csv) into reference tables.

The files' columns are Dinkes's own formats (``domain.reference_formats``; the registries'
exports, and ``python -m jkn_city generate``, write them). A load replaces the reference data
as a whole, in one transaction: running it twice leaves the same tables, and a failed load
(bad header, bad row) leaves the previous data in place. TRUNCATE makes readers wait for
the load to commit rather than see a half-loaded registry.

Each file is COPYed into a temporary table with the export's own checks (a bad row fails
the load as before), then every row is stored hashed and sealed (``registries.stored_row``):
no NIK, KK, name, birth date or address reaches the registry tables in clear.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from verification.adapters.protection import Conn, Protection
from verification.adapters.registries import KEPT, SEALED, stored_row
from verification.domain.reference_formats import CIVIL_REGISTRY_COLUMNS, DTKS_COLUMNS

__all__ = ["REFERENCE_FILES", "ReferenceError", "load_reference", "reference_is_empty"]


@dataclass(frozen=True)
class _File:
    name: str
    table: str
    columns: tuple[str, ...]
    checks: str  # the staging table's columns and checks: what a row of the export must be

    @property
    def staging(self) -> str:
        return f"{self.table}_csv"


REFERENCE_FILES = (
    _File(
        "civil_registry.csv",
        "civil_registry",
        tuple(CIVIL_REGISTRY_COLUMNS),
        r"""nik text PRIMARY KEY CHECK (nik ~ '^\d{16}$'), kk text NOT NULL, name text NOT NULL,
        sex text NOT NULL CHECK (sex IN ('L', 'P')), birth_date date NOT NULL,
        kelurahan text NOT NULL CHECK (kelurahan ~ '^\d{10}$'), address text NOT NULL,
        domicile_city text NOT NULL CHECK (domicile_city ~ '^\d{4}$'),
        alive boolean NOT NULL, death_date date,
        CHECK (NOT (alive AND death_date IS NOT NULL))""",
    ),
    _File(
        "dtks.csv",
        "dtks",
        tuple(DTKS_COLUMNS),
        r"""nik text PRIMARY KEY CHECK (nik ~ '^\d{16}$'), kk text NOT NULL, name text NOT NULL,
        sex text NOT NULL, birth_date date NOT NULL, kelurahan text NOT NULL,
        welfare_decile int NOT NULL CHECK (welfare_decile BETWEEN 1 AND 10)""",
    ),
)
_CHUNK = 1000


class ReferenceError(Exception):
    """A reference file is missing or does not have the expected columns."""


def _check_header(path: Path, expected: tuple[str, ...]) -> None:
    if not path.is_file():
        raise ReferenceError(f"{path}: file not found")
    try:
        with path.open(encoding="utf-8", newline="") as f:
            header = tuple(next(csv.reader(f), []))
    except csv.Error:  # a first cell over the csv module's 131,072 characters: not a header
        raise ReferenceError(f"{path}: the first row is not a CSV header") from None
    if header != expected:
        # never the row itself: in a file without a header it is a resident's data
        missing = [c for c in expected if c not in header] or ["none (order or extra columns)"]
        raise ReferenceError(
            f"{path}: expected columns {','.join(expected)}; found {len(header)} columns,"
            f" missing {','.join(missing)}"
        )


async def load_reference(
    pool: asyncpg.Pool, directory: Path, protection: Protection
) -> dict[str, int]:
    """Replace the reference tables with the files of ``directory``; return rows per table."""
    for f in REFERENCE_FILES:
        _check_header(directory / f.name, f.columns)
    counts: dict[str, int] = {}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("TRUNCATE " + ", ".join(f.table for f in REFERENCE_FILES))
        for f in REFERENCE_FILES:
            await conn.execute(f"CREATE TEMP TABLE {f.staging} ({f.checks}) ON COMMIT DROP")
            await conn.copy_to_table(
                f.staging,
                source=directory / f.name,
                columns=list(f.columns),
                format="csv",
                header=True,
                encoding="utf-8",
            )
            counts[f.table] = await _store(conn, protection, f)
        # statistics now: until autovacuum came by, the planner took the fresh tables for
        # empty and looked residents up by scanning them (0.9 ms a look-up in `make profile`)
        await conn.execute("ANALYZE " + ", ".join(f.table for f in REFERENCE_FILES))
    return counts


async def _store(conn: Conn, protection: Protection, f: _File) -> int:
    """Every staged row of ``f`` into its table, hashed and sealed, a chunk at a time."""
    columns = [
        "nik_hash",
        "kk_hash",
        *(f"{c}_sealed" for c in SEALED[f.table]),
        *KEPT[f.table],
    ]
    count = 0
    cursor = await conn.cursor(f"SELECT * FROM {f.staging}")  # noqa: S608 - a constant name
    while rows := await cursor.fetch(_CHUNK):
        records: list[tuple[Any, ...]] = []
        for row in rows:
            stored = await stored_row(conn, protection, f.table, row)
            records.append(tuple(stored[c] for c in columns))
        await conn.copy_records_to_table(f.table, records=records, columns=columns)
        count += len(records)
    return count


async def reference_is_empty(pool: asyncpg.Pool) -> bool:
    """True when either reference table has no rows (nothing loaded yet)."""
    async with pool.acquire() as conn:
        empty = await conn.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM civil_registry) OR NOT EXISTS (SELECT 1 FROM dtks)"
        )
    return bool(empty)
