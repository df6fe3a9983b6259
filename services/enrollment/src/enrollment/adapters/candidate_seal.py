"""Refill candidates' personal columns sealed a batch at a time (``adapters.snapshots``).

A million-row snapshot keeps about half a million candidates, four sealed values each.
``jkn_bus.at_rest.ServiceColumns.seal`` is awaited once per row and builds a new AES-GCM
cipher for every value; here the key is asked for once per batch, one cipher seals the
batch and the nonces come from one call to the system's random source.

What is written is exactly what ``ServiceColumns.seal`` writes, so every reader
(``ServiceColumns.open``, ``adapters.personal.open_row``) opens it: ``kind SERVICE (1) |
key version (4, big-endian) | nonce (12, random) | AES-256-GCM ciphertext and tag``, the
associated data ``jkn-at-rest/<table>.<column>/<row key>`` binding a value to its table,
column and row. A unit test opens these blobs with ``ServiceColumns.open``, so a change of
that format cannot go unnoticed here.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jkn_bus.at_rest import SERVICE, Conn, ServiceColumns

__all__ = ["seal_rows"]

_HEADER = struct.Struct(">BI")  # kind, key version (jkn_bus.at_rest)
_NONCE = 12


async def seal_rows(
    columns: ServiceColumns,
    conn: Conn,
    row_keys: Sequence[str],
    rows: Sequence[Mapping[str, str | None]],
    fields: Sequence[str],
) -> list[list[bytes | None]]:
    """For each of ``fields``, the sealed value of every row (``None`` stays ``None``), in
    the order of ``rows``; row ``i`` is bound to ``row_keys[i]``."""
    version, key = await columns.keys.current(conn)
    header = _HEADER.pack(SERVICE, version)
    encrypt = AESGCM(key).encrypt
    randomness = memoryview(os.urandom(_NONCE * len(rows) * len(fields)))
    sealed: list[list[bytes | None]] = []
    at = 0
    for field in fields:
        prefix = f"jkn-at-rest/{columns.table}.{field}/"
        blobs: list[bytes | None] = []
        for row_key, row in zip(row_keys, rows, strict=True):
            value = row[field]
            if value is None:
                blobs.append(None)
                continue
            nonce = bytes(randomness[at : at + _NONCE])
            at += _NONCE
            aad = (prefix + row_key).encode()
            blobs.append(header + nonce + encrypt(nonce, value.encode(), aad))
        sealed.append(blobs)
    return sealed
