"""The registries as reference tables in verification's schema (see ``reference``)."""

from __future__ import annotations

import asyncpg

from verification.domain import CivilRecord, DtksRecord

__all__ = ["SqlCivilRegistry", "SqlWelfareRegistry"]


class SqlCivilRegistry:
    """``CivilRegistry`` over the ``civil_registry`` table (a Dukcapil extract)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lookup(self, nik: str) -> CivilRecord | None:
        row = await self._conn.fetchrow(
            "SELECT alive, domicile_city, kelurahan, death_date FROM civil_registry WHERE nik = $1",
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

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lookup(self, nik: str) -> DtksRecord | None:
        decile = await self._conn.fetchval("SELECT welfare_decile FROM dtks WHERE nik = $1", nik)
        return DtksRecord(decile=int(decile)) if decile is not None else None
