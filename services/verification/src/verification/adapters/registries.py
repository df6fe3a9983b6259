"""The registries as reference tables in verification's schema (see ``reference``).

A row is found by the keyed hash of the NIK; a row loaded before personal data was sealed
at rest, and not converted yet by the start-up backfill, by its clear NIK. The rules read
only clear, non-identifying columns (alive, domicile, kelurahan, death date, decile): the
sealed name, birth date and address are never opened to decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import asyncpg

from verification.adapters.protection import Conn, Protection, row_key
from verification.domain import CivilRecord, DtksRecord

__all__ = ["KEPT", "SEALED", "SqlCivilRegistry", "SqlWelfareRegistry", "stored_row"]

SEALED: Mapping[str, tuple[str, ...]] = {
    "civil_registry": ("name", "birth_date", "address"),
    "dtks": ("name", "birth_date"),
}
"""Columns of each registry sealed under the service's key (as ``<column>_sealed``)."""
KEPT: Mapping[str, tuple[str, ...]] = {
    "civil_registry": ("sex", "kelurahan", "domicile_city", "alive", "death_date"),
    "dtks": ("sex", "kelurahan", "welfare_decile"),
}
"""Columns kept in clear: what the rules read, none identifying a person."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


async def stored_row(
    conn: Conn, protection: Protection, table: str, clear: Mapping[str, Any] | asyncpg.Record
) -> dict[str, Any]:
    """A registry row as stored: ``clear`` (the export's columns) hashed and sealed."""
    nik_hash = protection.nik_hash(clear["nik"])
    sealed = await protection.registry(table).seal(
        conn, row_key(nik_hash), {c: _text(clear[c]) for c in SEALED[table]}
    )
    return {
        "nik_hash": nik_hash,
        "kk_hash": protection.kk_hash(clear["kk"]),
        **{f"{column}_sealed": blob for column, blob in sealed.items()},
        **{column: clear[column] for column in KEPT[table]},
    }


class SqlCivilRegistry:
    """``CivilRegistry`` over the ``civil_registry`` table (a Dukcapil extract)."""

    def __init__(self, conn: asyncpg.Connection, protection: Protection) -> None:
        self._conn = conn
        self._protection = protection

    async def lookup(self, nik: str) -> CivilRecord | None:
        row = await self._conn.fetchrow(
            "SELECT alive, domicile_city, kelurahan, death_date FROM civil_registry"
            " WHERE nik_hash = $1 OR nik = $2 LIMIT 1",
            self._protection.nik_hash(nik),
            nik,
        )
        if row is None:
            return None
        return CivilRecord(
            alive=row["alive"],
            domicile_city_code=row["domicile_city"],
            kelurahan=row["kelurahan"],
            death_date=row["death_date"],
        )


class SqlWelfareRegistry:
    """``WelfareRegistry`` over the ``dtks`` table (a DTKS/DTSEN extract)."""

    def __init__(self, conn: asyncpg.Connection, protection: Protection) -> None:
        self._conn = conn
        self._protection = protection

    async def lookup(self, nik: str) -> DtksRecord | None:
        decile = await self._conn.fetchval(
            "SELECT welfare_decile FROM dtks WHERE nik_hash = $1 OR nik = $2 LIMIT 1",
            self._protection.nik_hash(nik),
            nik,
        )
        return DtksRecord(decile=int(decile)) if decile is not None else None
