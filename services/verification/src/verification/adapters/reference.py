"""Loading the registries' exports (civil_registry.csv, dtks.csv) into reference tables.

The files are those ``python -m jkn_city generate`` writes (columns in
``jkn_city.CIVIL_REGISTRY_COLUMNS`` / ``DTKS_COLUMNS``). A load replaces the reference data
as a whole, in one transaction, with COPY: running it twice leaves the same tables, and a
failed load (bad header, bad row) leaves the previous data in place. TRUNCATE makes
readers wait for the load to commit rather than see a half-loaded registry.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from jkn_city import CIVIL_REGISTRY_COLUMNS, DTKS_COLUMNS

__all__ = ["REFERENCE_FILES", "ReferenceError", "load_reference", "reference_is_empty"]


@dataclass(frozen=True)
class _File:
    name: str
    table: str
    columns: tuple[str, ...]


REFERENCE_FILES = (
    _File("civil_registry.csv", "civil_registry", tuple(CIVIL_REGISTRY_COLUMNS)),
    _File("dtks.csv", "dtks", tuple(DTKS_COLUMNS)),
)


class ReferenceError(Exception):
    """A reference file is missing or does not have the expected columns."""


def _check_header(path: Path, expected: tuple[str, ...]) -> None:
    if not path.is_file():
        raise ReferenceError(f"{path}: file not found")
    with path.open(encoding="utf-8", newline="") as f:
        header = tuple(next(csv.reader(f), []))
    if header != expected:
        raise ReferenceError(
            f"{path}: expected columns {','.join(expected)}; found {','.join(header) or 'none'}"
        )


async def load_reference(pool: asyncpg.Pool, directory: Path) -> dict[str, int]:
    """Replace the reference tables with the files of ``directory``; return rows per table."""
    for f in REFERENCE_FILES:
        _check_header(directory / f.name, f.columns)
    counts: dict[str, int] = {}
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("TRUNCATE " + ", ".join(f.table for f in REFERENCE_FILES))
        for f in REFERENCE_FILES:
            status = await conn.copy_to_table(
                f.table,
                source=directory / f.name,
                columns=list(f.columns),
                format="csv",
                header=True,
                encoding="utf-8",
            )
            counts[f.table] = int(status.split()[-1])
    return counts


async def reference_is_empty(pool: asyncpg.Pool) -> bool:
    """True when either reference table has no rows (nothing loaded yet)."""
    async with pool.acquire() as conn:
        empty = await conn.fetchval(
            "SELECT NOT EXISTS (SELECT 1 FROM civil_registry) OR NOT EXISTS (SELECT 1 FROM dtks)"
        )
    return bool(empty)
