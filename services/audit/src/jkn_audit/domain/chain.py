"""The hash chain over the audit log.

Each row's hash is ``SHA-256(previous row's hash || canonical JSON of the row's content)``:
the previous hash as its 64 lower-case hex characters (the first row's "previous hash" is
64 zeros), directly followed by the UTF-8 canonical JSON (keys sorted, no whitespace).
Changing a stored row changes its content, so its hash no longer verifies; re-hashing that
row changes what the next row was chained to; deleting a row leaves a gap in ``seq`` and
breaks the next row's link. Only rewriting the whole tail from the tampered row on goes
unnoticed by the chain alone: the head hash that ``/verify`` reports is what an operator
copies elsewhere (minutes of a meeting, another agency) to anchor it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["GENESIS", "ChainWalker", "canonical_json", "chain_hash"]

GENESIS = "0" * 64


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """The hash of a row with ``content`` following a row whose hash is ``previous_hash``."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_json(content)).hexdigest()


class ChainWalker:
    """Checks rows one by one in ``seq`` order (so a table of millions streams through)."""

    def __init__(self) -> None:
        self.head = GENESIS
        self.rows = 0

    def check(self, seq: int, content: Mapping[str, Any], stored_hash: str) -> str | None:
        """None if this row continues the chain, else why it does not."""
        expected_seq = self.rows + 1
        if seq != expected_seq:
            return f"row(s) missing: expected seq {expected_seq}, found seq {seq}"
        if chain_hash(self.head, content) != stored_hash:
            return "hash mismatch: this row, or the row before it, was changed"
        self.head = stored_hash
        self.rows += 1
        return None
