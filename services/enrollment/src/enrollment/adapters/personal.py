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
    "CANDIDATE_RECORD",
    "PROPOSAL_FIELDS",
    "SealedColumns",
    "candidate_fields",
    "candidate_key",
    "candidate_record",
    "clear_values",
    "open_candidate",
    "open_row",
    "proposal_values",
    "sealed",
]

PROPOSAL_FIELDS = ("nik", "kk", "name", "birth_date", "address", "phone", "email")
"""A proposal's personal columns (sex, kelurahan and decile are not identifying)."""
CANDIDATE_FIELDS = ("nik", "kk", "name", "birth_date")
"""A refill candidate's personal fields (each its own sealed column in a run kept before
migration 0016)."""
CANDIDATE_RECORD = "personal"
"""The column (``personal_sealed``) holding a candidate's ``CANDIDATE_FIELDS`` sealed as one
value, ``candidate_record`` (migration 0016)."""
_FIXED = (("nik", 16), ("kk", 16), ("birth_date", 10))  # then the name, of any length


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


def candidate_record(nik: str, kk: str, name: str, birth_date: str) -> str:
    """A candidate's fields as the one text sealed for them: the NIK, the KK and the ISO
    birth date, each of fixed width, then the name (so no separator can be confused with
    a character of it). Raises ValueError for a field not of its width (a checked registry
    row never has one)."""
    for (field, width), value in zip(_FIXED, (nik, kk, birth_date), strict=True):
        if len(value) != width:
            raise ValueError(f"{field} must be {width} characters")
    return nik + kk + birth_date + name


def candidate_fields(record: str) -> dict[str, Any]:
    """``candidate_record``'s fields back, the birth date a ``date``."""
    fields: dict[str, Any] = {}
    at = 0
    for field, width in _FIXED:
        fields[field] = record[at : at + width]
        at += width
    fields["name"] = record[at:]
    fields["birth_date"] = date.fromisoformat(fields["birth_date"])
    return fields


async def open_candidate(
    columns: SealedColumns, conn: asyncpg.Connection, row: asyncpg.Record | Mapping[str, Any]
) -> dict[str, Any]:
    """A candidate row's personal fields in clear (``birth_date`` a ``date``), from its one
    sealed record, or, in a run kept before migration 0016, its four columns (``open_row``).
    Raises ``PersonalDataErased`` when the service key that sealed them was destroyed."""
    key = candidate_key(row["run_id"], row["participant_id"])
    blob = row["personal_sealed"]
    if blob is None:
        return await open_row(columns, conn, key, row, CANDIDATE_FIELDS)
    record = (await columns.open(conn, key, {CANDIDATE_RECORD: blob}))[CANDIDATE_RECORD]
    if record is None:  # never: the blob is there
        raise ValueError("a sealed candidate record opened to nothing")
    return candidate_fields(record)


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
