"""The hash chain over the audit log.

Each row's hash is ``SHA-256(previous row's hash || canonical JSON of the row's content)``:
the previous hash as its 64 lower-case hex characters (the first row's "previous hash" is
its chain's genesis), directly followed by the UTF-8 canonical JSON (keys sorted, no whitespace).
Changing a stored row changes its content, so its hash no longer verifies; re-hashing that
row changes what the next row was chained to; deleting a row leaves a gap in ``seq`` and
breaks the next row's link. There are several chains (``domain.chains``: one per
participant's partition number); each starts from a genesis "previous hash" of its own
(``genesis``: 64 zeros for chain 0, the one chain every row was in before migration 0003), so
a row's hash ties it to its chain as well as to its place: moved to another chain, it no
longer links. Only rewriting the whole tail from the tampered row on goes unnoticed by
the chain alone: the head hash that ``/verify`` reports (``anchor``: one hash over every
chain's head) is what an operator copies elsewhere (minutes of a meeting, another agency)
to anchor them all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["GENESIS", "ChainWalker", "anchor", "canonical_json", "chain_hash", "genesis"]

GENESIS = "0" * 64


def genesis(chain: int) -> str:
    """The "previous hash" of chain ``chain``'s first row: ``GENESIS`` for chain 0 (so the
    rows appended before there were chains are chain 0 and verify as they did), a hash of
    the chain's number for the others (so no two chains start alike, ``UNIQUE (prev_hash)``
    holds across them, and a row moved between chains breaks)."""
    if chain == 0:
        return GENESIS
    return hashlib.sha256(f"jkn_audit:genesis:{chain}".encode("ascii")).hexdigest()


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """The hash of a row with ``content`` following a row whose hash is ``previous_hash``."""
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_json(content)).hexdigest()


def anchor(heads: Sequence[str]) -> str:
    """One hash over every chain's head, in chain order (``SHA-256`` of the heads' hex
    concatenated): an operator copies this one value, and a rewritten tail in any chain
    changes it."""
    return hashlib.sha256("".join(heads).encode("ascii")).hexdigest()


class ChainWalker:
    """Checks the rows of one chain one by one in ``seq`` order (so a table of millions
    streams through)."""

    def __init__(self, chain: int = 0) -> None:
        self.chain = chain
        self.head = genesis(chain)
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
