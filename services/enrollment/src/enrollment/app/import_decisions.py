"""A previewed import is approved by a second Dinsos officer, or rejected (maker-checker).

Approving (``ImportRunner.approve``, which then makes the proposals) and rejecting share
``decide``: in the caller's transaction, the import's row is locked (one decision per
import), the approver must not be its uploader (their actor ids differ: the pseudonym of the
token's issuer and subject, never a name; an import whose uploader is unknown cannot be
approved), and ``ImportApproved`` / ``ImportRejected`` is stated with the approver as actor
and the uploader in the payload, then recorded on the row (``decided_by_*``). The sealed
file is opened for an approval and dropped either way. A rejected import proposes nothing,
ever.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import cast

import asyncpg
from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_contracts import Actor, ImportApproved, ImportRejected
from jkn_contracts.events import ImportDecidedPayload

from enrollment.app import two_person
from enrollment.app.import_preview import content_columns
from enrollment.app.ports import ImportStore

__all__ = ["IMPORT", "Decision", "decide", "reject_import"]

# approved: the import runs (``ImportRunner``), then completes or fails
IMPORT = two_person.ActKind(ImportApproved, ImportRejected, "preview", "running")


@dataclass(frozen=True)
class Decision:
    """A decided import: what the approved import needs (its file, who proposes)."""

    import_id: uuid.UUID
    status: str
    rows: int
    valid: int
    sha256: str
    proposed_by: str
    uploader: Actor | None
    content: str | None = None


async def decide(
    runtime: ServiceRuntime,
    store: ImportStore,
    conn: asyncpg.Connection,
    import_id: uuid.UUID,
    actor: Actor,
    *,
    approve: bool,
) -> Decision:
    """Decide the preview ``import_id`` by ``actor`` in ``conn``'s open transaction (the
    two-person rule, ``app.two_person``: NotFound, AlreadyDecided, SamePerson)."""
    row, uploader = await two_person.open_act(
        IMPORT, store, conn, import_id, maker_of=store.uploader_of, checker=actor, approve=approve
    )
    summary = json.loads(row["preview"]) if isinstance(row["preview"], str) else row["preview"]
    payload = ImportDecidedPayload(
        import_id=import_id, rows=summary["rows"], valid=summary["valid"], uploaded_by=uploader
    )
    uow = UnitOfWork(conn, topic_prefix=runtime.settings.jkn_topic_prefix, actor=actor)
    _, status = await two_person.close_act(
        IMPORT, store, uow, import_id, approve=approve, checker=actor, payload=payload
    )
    content = None
    if approve:
        opened = await content_columns(runtime).open(
            conn, str(import_id), {"content": row["content_sealed"]}
        )
        content = opened["content"]
    return Decision(
        import_id,
        status,
        payload.rows,
        payload.valid,
        row["content_sha256"],
        row["proposed_by"],
        uploader,
        content,
    )


async def reject_import(
    runtime: ServiceRuntime, store: ImportStore, import_id: uuid.UUID, actor: Actor
) -> Decision:
    """Discard a previewed import (any Dinsos officer, its uploader too: nothing was sent)."""
    async with runtime.pool.acquire() as pooled, pooled.transaction():
        conn = cast(asyncpg.Connection, pooled)  # the proxy forwards every call
        return await decide(runtime, store, conn, import_id, actor, approve=False)
