"""Walking the chain: is every row as it was appended, and is none missing?"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import asyncpg

from jkn_audit.app.ports import EntriesInOrder
from jkn_audit.domain.chain import ChainWalker
from jkn_audit.metrics import CHAIN_OK

__all__ = ["ChainReport", "verify_chain"]


@dataclass(frozen=True)
class ChainReport:
    """``ok`` with the number of rows and the head hash, or the first broken row."""

    ok: bool
    rows: int
    head: str
    broken_seq: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def verify_chain(pool: asyncpg.Pool, entries_in_order: EntriesInOrder) -> ChainReport:
    """Check every row in ``seq`` order, on one consistent snapshot (appends go on);
    ``entries_in_order``: the log's reader (``adapters.audit_log.entries_in_order``)."""
    walker = ChainWalker()
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        async for entry, stored_hash in entries_in_order(conn):
            reason = walker.check(entry.seq, entry.content(), stored_hash)
            if reason is not None:
                CHAIN_OK.set(0)
                return ChainReport(
                    ok=False,
                    rows=walker.rows,
                    head=walker.head,
                    broken_seq=entry.seq,
                    broken_event_id=entry.event_id,
                    reason=reason,
                )
    CHAIN_OK.set(1)
    return ChainReport(ok=True, rows=walker.rows, head=walker.head)
