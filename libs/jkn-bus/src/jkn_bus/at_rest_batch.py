"""Service-sealed columns of many rows at once (``ServiceColumns``' format, cheaper per row).

A million-row registry snapshot keeps about half a million refill candidates, four sealed
values each (enrollment's ``adapters.snapshots``). ``ServiceColumns.seal`` is awaited once
per row and builds a new AES-GCM cipher for every value; here the key is asked for once per
batch, one cipher seals the batch and the nonces come from one call to the system's random
source. The layout, the header and the associated data are ``jkn_bus.at_rest``'s own
(``_HEADER``, ``_NONCE``, ``_aad``), so every reader of ``ServiceColumns`` opens these values.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jkn_bus.at_rest import _HEADER, _NONCE, SERVICE, Conn, ServiceColumns, _aad

__all__ = ["seal_rows"]


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
        blobs: list[bytes | None] = []
        for row_key, row in zip(row_keys, rows, strict=True):
            value = row[field]
            if value is None:
                blobs.append(None)
                continue
            nonce = bytes(randomness[at : at + _NONCE])
            at += _NONCE
            aad = _aad(columns.table, field, row_key)
            blobs.append(header + nonce + encrypt(nonce, value.encode(), aad))
        sealed.append(blobs)
    return sealed
