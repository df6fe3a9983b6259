"""Personal data at rest: columns encrypted, look-ups by keyed hash.

Three tools, for the three ways a service keeps personal data (README.md, "Personal data"):

- :func:`keyed_hash` — where only equality is needed (a NIK looked up in a registry, a
  KK), HMAC-SHA256 under the city's pseudonym key (the participant id is one of the NIK).
- :class:`ResidentColumns` — a participant's own fields (name, address, phone, and the NIK
  where its clear value is needed), sealed under **that resident's data key** (keyring):
  erasure destroys it, and every copy in every table and backup stops opening at once.
- :class:`ServiceColumns` — rows about people who are not participants (reference
  registries), under the **service's own data key**, wrapped by the KEK (``data_keys``).

A sealed value is ``bytes``: ``kind (1) | key version (4, big-endian) | nonce (12) |
AES-256-GCM ciphertext and tag``. Its associated data binds it to its table, column and
row (``<table>.<column>``, participant id or row key): a value copied elsewhere does not
open. Nothing here logs or raises with a value, a key or an exception text.

KEK rotation: ``python -m jkn_bus.keyring rewrap`` (residents' keys) and ``python -m
jkn_bus.at_rest rewrap`` (the service's own) run beside the services, in short
transactions; the data is never re-encrypted, only the wrapping of its keys changes.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import secrets
import struct
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jkn_bus.keyring import Conn, KeyringPort
from jkn_bus.personal_data import Dek, KeyEncryptionKeys, PersonalDataUnreadable, kid_for

__all__ = [
    "RESIDENT",
    "SERVICE",
    "Conn",
    "ResidentColumns",
    "ServiceColumns",
    "ServiceKeys",
    "keyed_hash",
    "main",
]

RESIDENT = 1
SERVICE = 2
_HEADER = struct.Struct(">BI")  # kind, key version
_NONCE = 12
_MIN_LEN = _HEADER.size + _NONCE + 16  # an empty plaintext still has its 16-byte tag


def keyed_hash(key: str, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of ``value`` under the city's pseudonym key, separated by ``purpose``
    (``"kk"``, ``"nik"``…) so equal values of different kinds never share a hash."""
    return hmac.new(key.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()


def _aad(table: str, column: str, row: str) -> bytes:
    return f"jkn-at-rest/{table}.{column}/{row}".encode()


def _seal(kind: int, version: int, key: bytes, plaintext: str, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(_NONCE)
    return _HEADER.pack(kind, version) + nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), aad)


def _header(blob: bytes, kind: int) -> int:
    """The key version of a sealed value of ``kind``; :class:`PersonalDataUnreadable`
    when it is not one."""
    if len(blob) < _MIN_LEN:
        raise PersonalDataUnreadable
    found, version = _HEADER.unpack_from(blob)
    if found != kind:
        raise PersonalDataUnreadable
    return int(version)


def _open(key: bytes, blob: bytes, aad: bytes) -> str:
    nonce = blob[_HEADER.size : _HEADER.size + _NONCE]
    try:
        return AESGCM(key).decrypt(nonce, blob[_HEADER.size + _NONCE :], aad).decode()
    except (InvalidTag, UnicodeDecodeError):
        raise PersonalDataUnreadable from None


@dataclass(frozen=True)
class ResidentColumns:
    """A participant's personal columns in one table, sealed under their data key.

    ``seal`` and ``open`` take the caller's connection (the keyring is read in its
    transaction). ``open`` raises :class:`jkn_bus.personal_data.PersonalDataErased` when
    the resident's key was destroyed (erased) or replaced (erased, then proposed again:
    the old rows stay unreadable)."""

    keyring: KeyringPort
    table: str

    async def seal(
        self,
        conn: Conn,
        participant_id: str,
        values: Mapping[str, str | None],
        *,
        create: bool = False,
        dek: Dek | None = None,
    ) -> dict[str, bytes | None]:
        """Each value sealed (``None`` stays ``None``). ``create``: the resident may have
        no key yet (Dinas Sosial, proposing them). ``dek``: their key, already in hand."""
        if all(v is None for v in values.values()):
            return dict.fromkeys(values)
        if dek is None:
            dek = await (self.keyring.create if create else self.keyring.current)(
                conn, participant_id
            )
        return {
            column: None
            if value is None
            else _seal(RESIDENT, dek.version, dek.key, value, self._aad(column, participant_id))
            for column, value in values.items()
        }

    async def open(
        self,
        conn: Conn,
        participant_id: str,
        blobs: Mapping[str, bytes | None],
    ) -> dict[str, str | None]:
        """Each sealed value in clear (``None`` stays ``None``)."""
        deks: dict[int, Dek] = {}
        clear: dict[str, str | None] = {}
        for column, blob in blobs.items():
            if blob is None:
                clear[column] = None
                continue
            raw = bytes(blob)
            version = _header(raw, RESIDENT)
            if version not in deks:
                deks[version] = await self.keyring.get(conn, kid_for(participant_id, version))
            clear[column] = _open(deks[version].key, raw, self._aad(column, participant_id))
        return clear

    def _aad(self, column: str, participant_id: str) -> bytes:
        return _aad(self.table, column, participant_id)


# ``own``: the row was inserted by the caller's still-open transaction.
_ROW = (
    "SELECT version, kek_id, wrapped, "
    "coalesce(xmin = pg_current_xact_id_if_assigned()::xid, false) AS own FROM data_keys"
)


@dataclass
class ServiceKeys:
    """The service's own data keys (``data_keys(version, kek_id, wrapped, created_at,
    rewrapped_at)`` in its schema: each service's migration creates it), wrapped by the KEK.

    Version 1 is created on first use; the clear key is kept in this process once
    unwrapped (it never changes, only its wrapping: ``rewrap``), and ``current`` answers
    from it (it was a statement per sealed row: 17 a resident in verification)."""

    keks: KeyEncryptionKeys
    _clear: dict[int, bytes] = field(default_factory=dict, repr=False)

    async def current(self, conn: Conn) -> tuple[int, bytes]:
        """``(version, key)`` new values are sealed with: the newest version."""
        if self._clear:
            newest = max(self._clear)
            return newest, self._clear[newest]
        row = await conn.fetchrow(_ROW + " ORDER BY version DESC LIMIT 1")
        if row is None:
            key = AESGCM.generate_key(bit_length=256)
            kek_id, wrapped = self.keks.wrap(key)
            await conn.execute(
                "INSERT INTO data_keys (version, kek_id, wrapped) VALUES (1, $1, $2) "
                "ON CONFLICT (version) DO NOTHING",
                kek_id,
                wrapped,
            )
            return 1, await self.get(conn, 1)  # the winner's key if another process raced
        return row["version"], self._unwrap(row)

    async def get(self, conn: Conn, version: int) -> bytes:
        """The key of ``version``; :class:`PersonalDataUnreadable` when there is none."""
        if version in self._clear:
            return self._clear[version]
        row = await conn.fetchrow(_ROW + " WHERE version = $1", version)
        if row is None:
            raise PersonalDataUnreadable
        return self._unwrap(row)

    async def rewrap(self, conn: Conn) -> int:
        """Re-wrap every data key not under the current KEK; the number moved."""
        current = self.keks.current_id
        async with conn.transaction():
            rows = await conn.fetch(
                _ROW + " WHERE kek_id <> $1 FOR UPDATE",
                current,
            )
            moved = [(row["version"], *self.keks.wrap(self._unwrap(row))) for row in rows]
            await conn.executemany(
                "UPDATE data_keys SET kek_id = $2, wrapped = $3, rewrapped_at = now() "
                "WHERE version = $1",
                moved,
            )
        return len(moved)

    async def status(self, conn: Conn) -> dict[str, int]:
        """Data keys per KEK id."""
        rows = await conn.fetch("SELECT kek_id, count(*) AS n FROM data_keys GROUP BY 1")
        return {row["kek_id"]: row["n"] for row in rows}

    def _unwrap(self, row: Any) -> bytes:
        version = row["version"]
        if version in self._clear:
            return self._clear[version]
        key = self.keks.unwrap(row["kek_id"], bytes(row["wrapped"]))
        # A key this transaction inserted is not kept until it is committed: were the
        # transaction rolled back, another process could create a different version 1.
        if not row.get("own"):
            self._clear[version] = key
        return key


@dataclass(frozen=True)
class ServiceColumns:
    """Personal columns of rows that are not a participant's (reference registries),
    sealed under the service's own data key and bound to their row key."""

    keys: ServiceKeys
    table: str

    async def seal(
        self, conn: Conn, row_key: str, values: Mapping[str, str | None]
    ) -> dict[str, bytes | None]:
        version, key = await self.keys.current(conn)
        return {
            column: None
            if value is None
            else _seal(SERVICE, version, key, value, _aad(self.table, column, row_key))
            for column, value in values.items()
        }

    async def open(
        self, conn: Conn, row_key: str, blobs: Mapping[str, bytes | None]
    ) -> dict[str, str | None]:
        clear: dict[str, str | None] = {}
        for column, blob in blobs.items():
            if blob is None:
                clear[column] = None
                continue
            raw = bytes(blob)
            key = await self.keys.get(conn, _header(raw, SERVICE))
            clear[column] = _open(key, raw, _aad(self.table, column, row_key))
        return clear


async def _run(args: argparse.Namespace) -> int:
    from jkn_bus.settings import BusSettings  # noqa: PLC0415 — the command alone needs it

    settings = BusSettings(service=args.service)
    keys = ServiceKeys(settings.key_encryption_keys())
    conn = await asyncpg.connect(
        settings.database_url, server_settings={"search_path": settings.db_schema}
    )
    try:
        if args.command == "rewrap":
            moved = await keys.rewrap(conn)
            sys.stdout.write(f"re-wrapped {moved} data key(s) of {args.service}\n")
        for kek_id, count in sorted((await keys.status(conn)).items()):
            sys.stdout.write(f"{args.service}: {count} data key(s) under KEK {kek_id}\n")
    finally:
        await conn.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m jkn_bus.at_rest {rewrap,status} --service NAME``."""
    parser = argparse.ArgumentParser(prog="python -m jkn_bus.at_rest", description=__doc__)
    parser.add_argument("command", choices=["rewrap", "status"])
    parser.add_argument("--service", default=os.environ.get("JKN_SERVICE", "verification"))
    return asyncio.run(_run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
