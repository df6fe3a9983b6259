"""What a resident's rights need from outside, declared here so ``app/`` imports no adapter
(docs/service-template.md): the facts of the audit trail an access report lists
(``adapters.audit_client`` reads them from the audit service) and the rows an erasure
blanks (``adapters.erasure``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg

__all__ = ["AuditFact", "AuditUnavailable", "ErasureStore"]


class ErasureStore(Protocol):
    """A resident's rows to erase (``adapters.erasure``), in the erasing transaction."""

    async def lock_proposals_of(
        self, conn: asyncpg.Connection, participant_id: str
    ) -> list[asyncpg.Record]:
        """The resident's proposals, oldest first, row-locked."""
        ...

    async def ever_activated(
        self, conn: asyncpg.Connection, proposal_ids: Sequence[uuid.UUID]
    ) -> bool: ...

    async def blank_resident(
        self,
        conn: asyncpg.Connection,
        participant_id: str,
        erased_at: datetime,
        event_id: uuid.UUID,
    ) -> None:
        """Blank their proposals' personal fields, drop their refill candidates."""
        ...


class AuditUnavailable(Exception):
    """No complete history could be had: ``code`` says why (``TOKEN_UNAVAILABLE``: the
    identity provider gave no token; ``AUDIT_UNREACHABLE``: no answer; ``AUDIT_REFUSED``:
    the audit service refused enrollment's token; ``AUDIT_FAILED``: any other answer)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class AuditFact:
    """One fact about the resident as the audit trail keeps it (``adapters.audit_client``
    reads them from the audit service): codes and pseudonyms."""

    when: str
    agency: str
    event_type: str
    decision: str | None
    reasons: tuple[str, ...]
    actor_agency: str | None
    actor_kind: str | None
