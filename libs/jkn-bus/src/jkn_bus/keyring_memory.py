"""A keyring held in memory, for unit tests of handlers without Postgres
(``jkn_bus.keyring`` re-exports it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jkn_bus.personal_data import Dek, PersonalDataErased, new_dek, parse_kid

__all__ = ["MemoryKeyring"]


class MemoryKeyring:
    """A keyring held in memory, for tests of handlers without Postgres (same semantics:
    one key per resident, a destroyed key is a tombstone, a new key a new version)."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[int, bytes | None]] = {}

    async def create(self, conn: Any, participant_id: str) -> Dek:
        return self.create_now(participant_id)

    async def create_many(self, conn: Any, participant_ids: Sequence[str]) -> dict[str, Dek]:
        return {p: self.create_now(p) for p in participant_ids}

    def items(self) -> list[tuple[str, tuple[int, bytes | None]]]:
        """(participant id, (version, key or None when destroyed)) of every resident."""
        return list(self._keys.items())

    def create_now(self, participant_id: str) -> Dek:
        """``create`` without a connection (to build events in tests)."""
        version, key = self._keys.get(participant_id, (0, None))
        if key is not None:
            return Dek(participant_id, version, key)
        dek = new_dek(participant_id, version + 1)
        self._keys[participant_id] = (dek.version, dek.key)
        return dek

    async def get(self, conn: Any, kid: str) -> Dek:
        participant_id, version = parse_kid(kid)
        held, key = self._keys.get(participant_id, (0, None))
        if key is None or held != version:
            raise PersonalDataErased
        return Dek(participant_id, version, key)

    async def current(self, conn: Any, participant_id: str) -> Dek:
        version, _ = self._keys.get(participant_id, (0, None))
        return await self.get(conn, f"{participant_id}.v{max(version, 1)}")

    async def destroy(self, conn: Any, participant_id: str) -> bool:
        version, key = self._keys.get(participant_id, (1, None))
        self._keys[participant_id] = (version, None)
        return key is not None
