"""Walking the chains: is every row as it was appended, and is none missing?

Every chain (``domain.chains.CHAINS`` of them) is walked from its genesis, all on one
snapshot. A broken chain does not stop the walk of the others: the report says, per chain,
whether it verified (its rows and head) or its first broken row, and overall whether all
did. The overall fields are those of the one-chain report, so existing readers keep working:
``ok`` (every chain intact), ``rows`` (rows verified, over all chains), ``head`` (one hash
over every chain's head, ``domain.chain.anchor``: the value to copy elsewhere), and for a
break the first broken chain's ``broken_seq``, ``broken_event_id`` and ``reason``, with
``broken_chain`` naming that chain.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any

import asyncpg

from jkn_audit.app.ports import EntriesInOrder
from jkn_audit.domain.chain import ChainWalker, anchor
from jkn_audit.domain.chains import CHAINS
from jkn_audit.metrics import CHAIN_OK

__all__ = ["ChainReport", "ChainStatus", "verify_chain"]


@dataclass(frozen=True)
class ChainStatus:
    """One chain: ``ok`` with its row count and head hash, or its first broken row (``rows``:
    how many rows before it verified, ``head``: the last of them)."""

    chain: int
    ok: bool
    rows: int
    head: str
    broken_seq: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ChainReport:
    """Every chain's status, and overall: ``ok`` with the number of rows and the anchor of
    the heads, or the first broken chain's first broken row."""

    ok: bool
    rows: int
    head: str
    broken_seq: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None
    broken_chain: int | None = None
    chains: tuple[ChainStatus, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Walk:
    """One chain's walk: its walker, and where it first broke (if it did)."""

    def __init__(self, chain: int) -> None:
        self.walker = ChainWalker(chain)
        self.broken: tuple[int, str, str] | None = None  # seq, event id, reason

    def status(self) -> ChainStatus:
        w = self.walker
        if self.broken is None:
            return ChainStatus(chain=w.chain, ok=True, rows=w.rows, head=w.head)
        seq, event_id, reason = self.broken
        return ChainStatus(w.chain, False, w.rows, w.head, seq, event_id, reason)


async def verify_chain(pool: asyncpg.Pool, entries_in_order: EntriesInOrder) -> ChainReport:
    """Check every chain's rows in ``seq`` order, on one consistent snapshot (appends go
    on); ``entries_in_order``: the log's reader (``adapters.audit_log.entries_in_order``)."""
    walks = {chain: _Walk(chain) for chain in range(CHAINS)}
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        async for entry, stored_hash in entries_in_order(conn):
            walk = walks.get(entry.chain)
            if walk is None:  # outside the pinned range: the CHECK was dropped, a row forged
                walk = walks[entry.chain] = _Walk(entry.chain)
                walk.broken = (entry.seq, entry.event_id, f"no chain {entry.chain}")
                continue
            if walk.broken is not None:
                continue  # its first break is what is reported; the other chains go on
            reason = walk.walker.check(entry.seq, entry.content(), stored_hash)
            if reason is not None:
                walk.broken = (entry.seq, entry.event_id, reason)
    chains = tuple(walks[c].status() for c in sorted(walks))
    broken = [c for c in chains if not c.ok]
    CHAIN_OK.set(0 if broken else 1)
    report = ChainReport(
        ok=not broken,
        rows=sum(c.rows for c in chains),
        head=anchor([walks[c].walker.head for c in range(CHAINS)]),
        chains=chains,
    )
    if not broken:
        return report
    first = broken[0]
    return dataclasses.replace(
        report,
        broken_seq=first.broken_seq,
        broken_event_id=first.broken_event_id,
        reason=first.reason,
        broken_chain=first.chain,
    )
