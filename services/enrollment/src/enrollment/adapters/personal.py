"""Personal columns at rest: what enrollment seals, and how a row's values are read back.

A proposal's NIK, KK, name, birth date, address, phone and e-mail are kept only sealed
(``<column>_sealed``, migration 0010) under the resident's own key from the keyring
(``jkn_bus.at_rest.ResidentColumns``): when Dinas Sosial erases the resident the key is
destroyed and every copy, backups included, stops opening. A refill candidate (a registry
row of someone not proposed yet, who has no key) is sealed under enrollment's own data key
(``ServiceColumns``), bound to its run and participant id. The NIK is never needed for a
look-up: duplicates and reconciliation go by the participant id (a keyed hash of it).

Rows written before migration 0010 keep their clear columns until the start-up backfill
(``adapters.at_rest``) seals them; until then a reader takes the sealed value when there is one,
else the clear one, so no reader depends on the backfill having finished.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any, Protocol

import asyncpg

from enrollment.domain import Proposal

__all__ = [
    "CANDIDATE_FIELDS",
    "PROPOSAL_FIELDS",
    "SealedColumns",
    "candidate_key",
    "clear_values",
    "open_row",
    "proposal_values",
    "sealed",
]

PROPOSAL_FIELDS = ("nik", "kk", "name", "birth_date", "address", "phone", "email")
"""A proposal's personal columns (sex, kelurahan and decile are not identifying)."""
CANDIDATE_FIELDS = ("nik", "kk", "name", "birth_date")
"""A refill candidate's personal columns."""


class SealedColumns(Protocol):
    """``ResidentColumns`` or ``ServiceColumns`` of ``jkn_bus.at_rest``: what is read here."""

    async def open(
        self, conn: asyncpg.Connection, key: str, blobs: Mapping[str, bytes | None]
    ) -> dict[str, str | None]: ...


def sealed(column: str) -> str:
    """The column holding ``column`` sealed."""
    return f"{column}_sealed"


def candidate_key(run_id: uuid.UUID, participant_id: str) -> str:
    """The row key a candidate's values are bound to: a value copied to another run's or
    resident's row does not open."""
    return f"{run_id}/{participant_id}"


def clear_values(values: Mapping[str, Any]) -> dict[str, str | None]:
    """Values as the text that is sealed: a date as ISO 8601, ``None`` kept."""
    return {
        k: None if v is None else v.isoformat() if isinstance(v, date) else str(v)
        for k, v in values.items()
    }


def proposal_values(proposal: Proposal) -> dict[str, str | None]:
    """A proposal's personal fields as the text that is sealed."""
    return clear_values({f: getattr(proposal, f) for f in PROPOSAL_FIELDS})


async def open_row(
    columns: SealedColumns,
    conn: asyncpg.Connection,
    key: str,
    row: asyncpg.Record | Mapping[str, Any],
    fields: tuple[str, ...],
) -> dict[str, Any]:
    """``fields`` of a row in clear: each sealed value opened, or, where a row written before
    migration 0010 is not sealed yet, its clear value; a birth date as a ``date``. Raises
    ``PersonalDataErased`` when a sealed value's key was destroyed."""
    opened = await columns.open(conn, key, {f: row[sealed(f)] for f in fields})
    values: dict[str, Any] = {}
    for f in fields:
        value: Any = opened[f] if row[sealed(f)] is not None else row[f]
        if f == "birth_date" and isinstance(value, str):
            value = date.fromisoformat(value)
        values[f] = value
    return values
