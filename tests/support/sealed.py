"""Events with sealed personal fields, built without Postgres (an in-memory keyring).

Handlers under test open them with ``SEALER`` (the same keyring); ``KEYRING.destroy`` erases
a resident as Dinas Sosial's keyring would."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import asyncpg
from jkn_bus.keyring import MemoryKeyring, Sealer
from jkn_bus.personal_data import LocalKeks, associated_data, seal
from jkn_contracts import EventBase

__all__ = ["ESCROW_TO", "KEYRING", "SEALER", "escrow", "sealed_event"]

KEYRING = MemoryKeyring()
SEALER = Sealer(KEYRING)

E = TypeVar("E", bound=EventBase)


def sealed_event(
    cls: type[E],
    *,
    participant_id: str,
    personal: dict[str, Any],
    payload: dict[str, Any],
    keyring: MemoryKeyring = KEYRING,
    **envelope: Any,
) -> E:
    """An event of ``cls`` whose ``payload.personal`` seals ``personal`` (the fields
    ``cls.sealed`` names) under the resident's key in ``keyring``."""
    sealed_model = cls.sealed  # type: ignore[attr-defined]
    plain = sealed_model.model_validate({k: personal.get(k) for k in sealed_model.model_fields})
    event_id = envelope.pop("event_id", None) or uuid.uuid4()
    event_type = cls.model_fields["event_type"].default
    dek = keyring.create_now(participant_id)
    blob = seal(
        dek,
        plain.model_dump_json().encode(),
        aad=associated_data(event_id, participant_id, event_type),
    )
    return cls(
        event_id=event_id,
        participant_id=participant_id,
        payload={**payload, "personal": blob},
        **envelope,
    )


ESCROW_TO: dict[str, str] = {}
"""``{"url": <enrollment's database URL>}``: where ``escrow()`` hands keys by default (a
test module's fixture sets it)."""


async def escrow(enrollment_database_url: str = "", keyring: MemoryKeyring = KEYRING) -> None:
    """Hand the keys of events built here to the real keyring (as Dinas Sosial, its
    writer, under the dev KEK), so that services under test open them as in production."""
    keks = LocalKeks.from_config()
    conn = await asyncpg.connect(enrollment_database_url or ESCROW_TO["url"])
    try:
        for participant_id, (version, key) in keyring.items():
            if key is None:
                await conn.execute(
                    "INSERT INTO keyring.deks (participant_id, version, destroyed_at) "
                    "VALUES ($1, $2, now()) ON CONFLICT (participant_id) DO UPDATE "
                    "SET kek_id = NULL, wrapped = NULL, destroyed_at = now()",
                    participant_id,
                    version,
                )
                continue
            kek_id, wrapped = keks.wrap(key)
            await conn.execute(
                "INSERT INTO keyring.deks (participant_id, version, kek_id, wrapped) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (participant_id) DO NOTHING",
                participant_id,
                version,
                kek_id,
                wrapped,
            )
    finally:
        await conn.close()
