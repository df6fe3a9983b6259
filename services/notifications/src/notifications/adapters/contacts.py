"""The address book: name, sex, phone and e-mail of each resident, keyed by participant id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import asyncpg

__all__ = ["StoredContact", "ensure", "get", "lock", "remember"]


@dataclass(frozen=True)
class StoredContact:
    name: str | None
    sex: str | None
    phone: str | None
    email: str | None


class Reach(Protocol):
    """How to greet and reach a resident (opened from an event's sealed fields)."""

    @property
    def name(self) -> str: ...
    @property
    def sex(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...


async def remember(conn: asyncpg.Connection, participant_id: str, resident: Reach) -> None:
    """Store (or refresh) how to reach this resident."""
    await conn.execute(
        "INSERT INTO contacts (participant_id, name, sex, phone, email) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (participant_id) DO UPDATE SET name = $2, sex = $3, phone = $4, email = $5,"
        " updated_at = now()",
        participant_id,
        resident.name,
        resident.sex,
        resident.phone,
        resident.email,
    )


async def ensure(conn: asyncpg.Connection, participant_id: str) -> None:
    """Make sure the participant has a row (the lock target of the dispatcher)."""
    await conn.execute(
        "INSERT INTO contacts (participant_id) VALUES ($1) ON CONFLICT DO NOTHING", participant_id
    )


async def get(conn: asyncpg.Connection, participant_id: str) -> StoredContact | None:
    row = await conn.fetchrow(
        "SELECT name, sex, phone, email FROM contacts WHERE participant_id = $1", participant_id
    )
    return StoredContact(**dict(row)) if row is not None else None


async def lock(conn: asyncpg.Connection, participant_id: str) -> StoredContact | None:
    """Lock the participant's row for this transaction and return the contact."""
    row = await conn.fetchrow(
        "SELECT name, sex, phone, email FROM contacts WHERE participant_id = $1 FOR UPDATE",
        participant_id,
    )
    return StoredContact(**dict(row)) if row is not None else None
