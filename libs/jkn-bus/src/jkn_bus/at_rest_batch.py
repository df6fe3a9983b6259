"""Service-sealed columns of many rows at once (``ServiceColumns``' format, cheaper per row).

A million-row registry snapshot keeps about half a million refill candidates, four sealed
values each (enrollment's ``app.snapshot_file`` seals them while it parses the file).
``ServiceColumns.seal`` is awaited once per row and builds a new AES-GCM cipher for every
value; a :class:`BatchSealer` asks for the key once, keeps one cipher and draws its nonces
from the system's random source thousands at a time. The layout, the header and the
associated data are ``jkn_bus.at_rest``'s own (``_HEADER``, ``_NONCE``, ``_aad``), so every
reader of ``ServiceColumns`` opens these values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jkn_bus.at_rest import _HEADER, _NONCE, SERVICE, Conn, ServiceColumns, _aad

__all__ = ["BatchSealer", "RowSealer"]

_NONCES_PER_DRAW = 16_384

RowSealer = Callable[[str, Sequence[str | None]], tuple[bytes | None, ...]]
"""A row's values sealed, given its row key (``BatchSealer.row_sealer``)."""


class BatchSealer:
    """Seals values of ``columns.table`` under the service's current key, bound to their
    row key and column; no I/O once made (``open``), so a parser may call it per row."""

    def __init__(self, table: str, version: int, key: bytes) -> None:
        self._table = table
        self._header = _HEADER.pack(SERVICE, version)
        self._encrypt = AESGCM(key).encrypt
        self._nonces = b""
        self._at = 0

    @classmethod
    async def open(cls, columns: ServiceColumns, conn: Conn) -> BatchSealer:
        """A sealer under the service's current key (read, or created, in ``conn``)."""
        version, key = await columns.keys.current(conn)
        return cls(columns.table, version, key)

    def _nonce(self) -> bytes:
        if self._at == len(self._nonces):
            self._nonces, self._at = os.urandom(_NONCE * _NONCES_PER_DRAW), 0
        at = self._at
        self._at = at + _NONCE
        return self._nonces[at : at + _NONCE]

    def seal(self, row_key: str, column: str, value: str | None) -> bytes | None:
        """``value`` sealed for ``column`` of the row ``row_key``; ``None`` stays ``None``."""
        if value is None:
            return None
        nonce = self._nonce()
        aad = _aad(self._table, column, row_key)
        return self._header + nonce + self._encrypt(nonce, value.encode(), aad)

    def row_sealer(self, columns: Sequence[str]) -> RowSealer:
        """Seals a row's values of ``columns`` (in that order) at once: what ``seal`` gives
        for each, with each column's associated data prepared once (``_aad``'s bytes are
        its prefix and the row key's)."""
        prefixes = [_aad(self._table, column, "") for column in columns]
        header, nonce_of, encrypt = self._header, self._nonce, self._encrypt

        def seal_row(row_key: str, values: Sequence[str | None]) -> tuple[bytes | None, ...]:
            row = row_key.encode()
            sealed: list[bytes | None] = []
            for prefix, value in zip(prefixes, values, strict=True):
                if value is None:
                    sealed.append(None)
                    continue
                nonce = nonce_of()
                sealed.append(header + nonce + encrypt(nonce, value.encode(), prefix + row))
            return tuple(sealed)

        return seal_row
