"""How Dinas Kesehatan keeps personal data at rest (``jkn_bus.at_rest``), built once.

- The reference registries (``civil_registry``, ``dtks``) are about people who are not
  participants: their NIK and KK are keyed hashes (a NIK is only ever looked up), their
  name, birth date and address sealed under the service's own data key, bound to the row's
  NIK hash.
- A proposal's resident is sealed under that resident's own key from the keyring: when
  Dinas Sosial erases them, the key is destroyed and the copy here is unreadable too.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus.at_rest import ResidentColumns, ServiceColumns, ServiceKeys, keyed_hash
from jkn_bus.keyring import KeyringPort

__all__ = ["Conn", "Protection", "row_key"]

Conn = asyncpg.Connection | PoolConnectionProxy  # a handler's, or one of the pool's


def row_key(nik_hash: bytes) -> str:
    """What a registry row's sealed columns are bound to: its NIK hash (hex)."""
    return nik_hash.hex()


@dataclass(frozen=True)
class Protection:
    """The keys verification's tables are sealed and hashed with (one set per process)."""

    keyring: KeyringPort
    service_keys: ServiceKeys
    pseudonym_key: str

    def nik_hash(self, nik: str) -> bytes:
        digest: bytes = keyed_hash(self.pseudonym_key, "nik", nik)
        return digest

    def kk_hash(self, kk: str) -> bytes:
        digest: bytes = keyed_hash(self.pseudonym_key, "kk", kk)
        return digest

    @property
    def proposals(self) -> ResidentColumns:
        return ResidentColumns(self.keyring, "proposals")

    def registry(self, table: str) -> ServiceColumns:
        """The sealed columns of ``civil_registry`` or ``dtks``."""
        return ServiceColumns(self.service_keys, table)
