"""What the audit use cases need from the outside: the append-only log they chain into.

Adapter: ``adapters.audit_log`` (SQL on the unit of work's connection), wired in
``bootstrap``.
"""

from __future__ import annotations

from typing import Protocol

import asyncpg

from jkn_audit.domain.entries import AuditEntry

__all__ = ["Appender"]


class Appender(Protocol):
    """Appends a drafted entry after the chain's head, in the caller's transaction, and
    returns it as stored (its ``seq`` and hashes set)."""

    async def __call__(self, conn: asyncpg.Connection, draft: AuditEntry) -> AuditEntry: ...
