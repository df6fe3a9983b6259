"""Service-sealed columns of many rows at once (``ServiceColumns``' format, cheaper per row).

A million-row registry snapshot keeps about half a million refill candidates, a sealed
value each (enrollment's ``app.snapshot_file`` seals them while it parses the file, in
worker processes). ``ServiceColumns.seal`` is awaited once per row and builds a new AES-GCM
cipher for every value; a :class:`BatchSealer` is made with the key once (the caller reads
it, ``ServiceKeys.current``), keeps one cipher and draws its nonces from the system's random
source thousands at a time. The layout, the header and the
associated data are ``jkn_bus.at_rest``'s own (``_HEADER``, ``_NONCE``, ``_aad``), so every
reader of ``ServiceColumns`` opens these values.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jkn_bus.at_rest import _HEADER, _NONCE, SERVICE, _aad

__all__ = ["BatchSealer", "RowSealer"]

_NONCES_PER_DRAW = 16_384

RowSealer = Callable[[str, Sequence[str | None]], tuple[bytes | None, ...]]
"""A row's values sealed, given its row key (``BatchSealer.row_sealer``)."""


class BatchSealer:
    """Seals values of ``table`` under the service's key ``version`` (``key``), bound to their
    row key and column; no I/O, so a parser may call it per row."""

    def __init__(self, table: str, version: int, key: bytes) -> None:
        self._table = table
        self._header = _HEADER.pack(SERVICE, version)
        self._encrypt = AESGCM(key).encrypt
        self._nonces = b""
        self._at = 0

    def _nonce(self) -> bytes:
        if self._at == len(self._nonces):
            self._nonces, self._at = os.urandom(_NONCE * _NONCES_PER_DRAW), 0
        at = self._at
        self._at = at + _NONCE
        return self._nonces[at : at + _NONCE]

    def row_sealer(self, columns: Sequence[str]) -> RowSealer:
        """Seals a row's values of ``columns`` (in that order) at once: what
        ``ServiceColumns.seal`` gives for each (but for the nonce), with each column's
        associated data prepared once (``_aad``'s bytes are its prefix and the row key's)."""
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
