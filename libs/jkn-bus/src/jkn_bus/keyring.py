"""The keyring: every resident's data key (DEK), wrapped by a key-encryption key (KEK).

One Postgres schema of its own, ``keyring``, owned by its own role (created with the
database: ``jkn_devstack.database`` and ``deploy/postgres/init.sql``), one table::

    keyring.deks(participant_id, version, kek_id, wrapped, created_at, rewrapped_at,
                 destroyed_at)

Enrollment (Dinas Sosial, the controller of the resident's data) creates a resident's key
when it first proposes them and destroys it on erasure: ``wrapped`` and ``kek_id`` become
null, the row stays as a tombstone with ``destroyed_at``. Verification, the BPJS gateway
and notifications may only read it (GRANT SELECT); the audit service cannot reach it.

Rotation: configure a new KEK as current (services accept every configured KEK id), then
``python -m jkn_bus.keyring rewrap`` (``jkn_bus.keyring_cli``) re-wraps every DEK under
it, in batches, each batch its own short transaction (rows locked ``FOR UPDATE SKIP
LOCKED``), while services keep running; once ``status`` shows no DEK under the old id,
drop that KEK from configuration.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_contracts import EVENT_TYPES, EventBase, Protected
from pydantic import BaseModel

from jkn_bus import key_memo
from jkn_bus.keyring_memory import MemoryKeyring
from jkn_bus.personal_data import (
    Dek,
    KeyEncryptionKeys,
    PersonalDataErased,
    PersonalDataUnreadable,
    associated_data,
    new_dek,
    open_sealed,
    parse_kid,
    seal,
)

__all__ = [
    "SCHEMA",
    "TABLE",
    "Conn",
    "Keyring",
    "KeyringPort",
    "MemoryKeyring",
    "Sealer",
    "sealer_for",
]

Conn = asyncpg.Connection | PoolConnectionProxy
"""A connection, or one lent by a pool (the caller's transaction either way)."""

SCHEMA = "keyring"
TABLE = f"{SCHEMA}.deks"


class Keyring:
    """Data keys of residents, read and written on the caller's connection (so creating a
    key, or destroying one, commits with the caller's own transaction)."""

    def __init__(self, keks: KeyEncryptionKeys) -> None:
        self.keks = keks

    async def create(self, conn: Conn, participant_id: str) -> Dek:
        """The resident's live key, created when they have none (or a new version after
        an erasure: a resident proposed again is new data under a new key)."""
        key_memo.forget(participant_id)
        candidate = new_dek(participant_id)
        kek_id, wrapped = self.keks.wrap(candidate.key)
        inserted = await conn.fetchval(
            f"INSERT INTO {TABLE} (participant_id, version, kek_id, wrapped) "  # noqa: S608
            "VALUES ($1, 1, $2, $3) ON CONFLICT (participant_id) DO NOTHING RETURNING version",
            participant_id,
            kek_id,
            wrapped,
        )
        if inserted is not None:
            return candidate
        row = await conn.fetchrow(
            f"SELECT version, kek_id, wrapped FROM {TABLE} "  # noqa: S608
            "WHERE participant_id = $1 FOR UPDATE",
            participant_id,
        )
        if row is None:  # cannot be: the row was there a statement ago and is never deleted
            raise PersonalDataErased
        if row["wrapped"] is not None:
            return Dek(participant_id, row["version"], self._unwrap(row))
        version = row["version"] + 1
        await conn.execute(
            f"UPDATE {TABLE} SET version = $2, kek_id = $3, wrapped = $4, "  # noqa: S608
            "created_at = now(), rewrapped_at = NULL, destroyed_at = NULL "
            "WHERE participant_id = $1",
            participant_id,
            version,
            kek_id,
            wrapped,
        )
        return Dek(participant_id, version, candidate.key)

    async def create_many(self, conn: Conn, participant_ids: Sequence[str]) -> dict[str, Dek]:
        """``create`` for many residents: the new keys in one statement (an import's chunk),
        ``create`` one by one only for residents who already have a key row."""
        wanted = list(dict.fromkeys(participant_ids))
        candidates = {p: new_dek(p) for p in wanted}
        wrapped = [self.keks.wrap(candidates[p].key) for p in wanted]
        for p in wanted:
            key_memo.forget(p)
        inserted = await conn.fetch(
            f"INSERT INTO {TABLE} (participant_id, version, kek_id, wrapped)"  # noqa: S608
            " SELECT p, 1, k, w FROM unnest($1::text[], $2::text[], $3::bytea[]) AS r(p, k, w)"
            " ON CONFLICT (participant_id) DO NOTHING RETURNING participant_id",
            wanted,
            [kek_id for kek_id, _ in wrapped],
            [w for _, w in wrapped],
        )
        new = {r["participant_id"] for r in inserted}
        return {p: candidates[p] if p in new else await self.create(conn, p) for p in wanted}

    async def get(self, conn: Conn, kid: str) -> Dek:
        """The key a blob names; :class:`PersonalDataErased` when it is destroyed, missing
        or of an older version (destroyed when the resident was erased)."""
        participant_id, version = parse_kid(kid)
        dek = await self._live(conn, participant_id)
        if dek is None or dek.version != version:
            raise PersonalDataErased
        return dek

    async def current(self, conn: Conn, participant_id: str) -> Dek:
        """The resident's live key (whatever its version); :class:`PersonalDataErased` when
        they have none (erased, or never proposed)."""
        dek = await self._live(conn, participant_id)
        if dek is None:
            raise PersonalDataErased
        return dek

    async def _live(self, conn: Conn, participant_id: str) -> Dek | None:
        """The resident's live key, None when they have none; once per transaction inside
        ``key_memo.transaction_keys`` (a row this transaction wrote is read each time),
        with the keys the transaction said it expects (``key_memo.expect``) read along."""
        known, remembered = key_memo.recall(participant_id)
        if known:
            return remembered
        wanted = key_memo.read_along(participant_id)
        rows = await conn.fetch(
            "SELECT participant_id, version, kek_id, wrapped,"  # noqa: S608 - TABLE: constant
            " coalesce(now() IN (created_at, destroyed_at), false) AS own"
            f" FROM {TABLE} WHERE participant_id = ANY($1::text[])",
            wanted,
        )
        dek, seen = None, False
        for row in rows:
            pid = row["participant_id"]
            key = None if row["wrapped"] is None else Dek(pid, row["version"], self._unwrap(row))
            if pid == participant_id:
                dek, seen = key, True
            if not row["own"]:
                key_memo.remember(pid, key)
        if not seen:  # no key row: none
            key_memo.remember(participant_id, None)
        return dek

    async def destroy(self, conn: Conn, participant_id: str) -> bool:
        """Crypto-shred: forget the wrapped key, keep a tombstone. True when a live key
        was destroyed now (False: none, or already destroyed)."""
        key_memo.forget(participant_id)
        live = await conn.fetchval(
            f"UPDATE {TABLE} SET kek_id = NULL, wrapped = NULL, destroyed_at = now() "  # noqa: S608
            "WHERE participant_id = $1 AND wrapped IS NOT NULL RETURNING true",
            participant_id,
        )
        if live is None:  # never had a key: the tombstone says it is erased all the same
            await conn.execute(
                f"INSERT INTO {TABLE} (participant_id, version, destroyed_at) "  # noqa: S608
                "VALUES ($1, 1, now()) ON CONFLICT (participant_id) DO NOTHING",
                participant_id,
            )
        return bool(live)

    async def rewrap(self, conn: Conn, *, batch_size: int = 500) -> int:
        """Re-wrap up to ``batch_size`` live DEKs not yet under the current KEK, in one
        transaction; the number moved (0: done)."""
        current = self.keks.current_id
        async with conn.transaction():
            rows = await conn.fetch(
                f"SELECT participant_id, version, kek_id, wrapped FROM {TABLE} "  # noqa: S608
                "WHERE wrapped IS NOT NULL AND kek_id <> $1 "
                "ORDER BY participant_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                current,
                batch_size,
            )
            moved = []
            for row in rows:
                kek_id, wrapped = self.keks.wrap(self._unwrap(row))
                moved.append((row["participant_id"], kek_id, wrapped))
            await conn.executemany(
                f"UPDATE {TABLE} SET kek_id = $2, wrapped = $3, rewrapped_at = now() "  # noqa: S608
                "WHERE participant_id = $1",
                moved,
            )
        return len(moved)

    async def rewrap_all(self, conn: Conn, *, batch_size: int = 500) -> int:
        total = 0
        while moved := await self.rewrap(conn, batch_size=batch_size):
            total += moved
        return total

    def _unwrap(self, row: Any) -> bytes:
        return self.keks.unwrap(row["kek_id"], bytes(row["wrapped"]))


class KeyringPort(Protocol):
    """What services use of a keyring (:class:`Keyring`; :class:`MemoryKeyring` in tests)."""

    async def create(self, conn: Conn, participant_id: str) -> Dek: ...
    async def create_many(self, conn: Conn, participant_ids: Sequence[str]) -> dict[str, Dek]: ...
    async def get(self, conn: Conn, kid: str) -> Dek: ...
    async def current(self, conn: Conn, participant_id: str) -> Dek: ...
    async def destroy(self, conn: Conn, participant_id: str) -> bool: ...


class Sealer:
    """Seals a resident's personal fields into an event and opens them again, with the
    keys of a keyring, on the caller's connection (inside its transaction)."""

    def __init__(self, keyring: KeyringPort) -> None:
        self.keyring = keyring

    async def seal(
        self,
        conn: Conn,
        event: type[EventBase],
        participant_id: str,
        fields: BaseModel | dict[str, Any],
        *,
        create: bool = False,
        event_id: uuid.UUID | None = None,
        dek: Dek | None = None,
    ) -> tuple[uuid.UUID, Protected]:
        """``(event_id, blob)``: the id to give the event and its ``personal`` blob, the
        event type's sealed fields (``event.sealed``) taken from ``fields`` (extra ones are
        left out: an event carries what its consumers need). ``create``: the resident may
        have no key yet (Dinas Sosial, proposing them); otherwise an erased resident raises
        :class:`PersonalDataErased`. ``dek``: the resident's key, when this transaction
        already has it (``Keyring.create_many``)."""
        sealed_model: type[BaseModel] = event.sealed  # type: ignore[attr-defined]
        data = fields.model_dump() if isinstance(fields, BaseModel) else dict(fields)
        plain = sealed_model.model_validate({k: data.get(k) for k in sealed_model.model_fields})
        if dek is None:
            find = self.keyring.create if create else self.keyring.current
            dek = await find(conn, participant_id)
        elif dek.participant_id != participant_id:
            raise PersonalDataUnreadable
        event_id = event_id or uuid.uuid4()
        aad = associated_data(event_id, participant_id, _event_type(event))
        return event_id, seal(dek, plain.model_dump_json().encode(), aad=aad)

    async def open(self, conn: Conn, event: EventBase) -> Any:
        """The personal fields an event carries (its ``sealed`` model). A version-1
        record (clear fields) is read as it is. :class:`PersonalDataErased` when the
        resident's key is destroyed; :class:`PersonalDataUnreadable` when the blob does
        not authenticate."""
        event_type = _event_type(type(event))
        current = EVENT_TYPES[event_type]  # a legacy record's current class says what to read
        sealed_model: type[BaseModel] = current.sealed  # type: ignore[attr-defined]
        payload: Any = getattr(event, "payload", None)
        if event.schema_version == 1:  # jkn_contracts.legacy: in clear
            clear = payload.resident.model_dump() if hasattr(payload, "resident") else payload
            data = clear if isinstance(clear, dict) else clear.model_dump()
            return sealed_model.model_validate({k: data.get(k) for k in sealed_model.model_fields})
        blob: Protected = payload.personal
        participant_id, _ = parse_kid(blob.kid)
        if participant_id != event.participant_id:
            raise PersonalDataUnreadable
        dek = await self.keyring.get(conn, blob.kid)
        aad = associated_data(event.event_id, participant_id, event_type)
        return sealed_model.model_validate_json(open_sealed(dek, blob, aad=aad))


def sealer_for(keks: KeyEncryptionKeys) -> Sealer:
    """The sealer of a service: the Postgres keyring under these KEKs."""
    return Sealer(Keyring(keks))


def _event_type(event: type[EventBase]) -> str:
    return str(event.model_fields["event_type"].default)


if __name__ == "__main__":
    from jkn_bus.keyring_cli import main as _main

    raise SystemExit(_main())
