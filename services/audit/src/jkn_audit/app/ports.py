"""What the audit use cases need from the outside: the append-only log they chain into and
read back in order.

Adapter: ``adapters.audit_log`` (SQL on the unit of work's connection), wired in
``bootstrap`` (the handler) and by the entrypoints (the chain's verification).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, Protocol

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from jkn_audit.domain.entries import AuditEntry

__all__ = ["Appender", "EntriesInOrder"]


class Appender(Protocol):
    """Appends drafted entries, in order, each after its chain's head, in the caller's
    transaction, and returns them as stored (their ``seq`` and hashes set)."""

    async def __call__(
        self, conn: asyncpg.Connection, drafts: Sequence[AuditEntry]
    ) -> list[AuditEntry]: ...


class EntriesInOrder(Protocol):
    """Every (entry, stored hash), chain by chain and each chain in ``seq`` order, streamed
    on ``conn`` (the caller holds the transaction, so the walk reads one snapshot)."""

    def __call__(
        self, conn: asyncpg.Connection | PoolConnectionProxy[Any]
    ) -> AsyncIterator[tuple[AuditEntry, str]]: ...
