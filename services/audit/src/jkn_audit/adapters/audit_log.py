"""The audit log table: append under the chains' locks, read a history or an actor's acts,
stream for verification.

Why one writer per chain at a time. Each chain is a total order: each row names its
predecessor's hash. Two transactions appending to one chain at once would both read the
same head and fork it (``UNIQUE (prev_hash)`` would then reject one, which the consumer
retries — correct, but a failure path). So an append takes a transaction-scoped advisory
lock per chain it touches (``chain_lock``) and reads those chains' heads *under* them:
appends to one chain are serialised across connections, processes and replicas, and each
head read is the last committed one. Appends to different chains take different locks and
do not wait on each other (``domain.chains``: replicas read disjoint partitions, hence
touch disjoint chains). A batch takes its chains' locks in ascending chain order, so two
batches wanting the same chains queue instead of deadlocking. A consumed batch's entries
are appended together (``append_all``, just before the batch commits): the locks are taken
once a batch and held only for the last statements of its transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from jkn_audit.domain.chain import chain_hash, genesis
from jkn_audit.domain.entries import AuditEntry, utc_iso

__all__ = ["acts", "append_all", "chain_lock", "entries_in_order", "history"]


def chain_lock(chain: int) -> int:
    """The advisory lock key of chain ``chain`` (a bigint derived from its number)."""
    digest = hashlib.sha256(f"jkn_audit:chain:{chain}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_COLUMNS = (
    "chain, seq, event_id, event_type, schema_version, producer, participant_id,"
    ' correlation_id, causation_id, occurred_at, recorded_at, topic, partition, "offset",'
    " decision, reasons, evidence_ref, payload, actor_id, actor_agency, actor_kind"
)


_COPY_COLUMNS = [c.strip().strip('"') for c in _COLUMNS.split(",")] + ["prev_hash", "hash"]


def _entry(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(
        chain=row["chain"],
        seq=row["seq"],
        event_id=str(row["event_id"]),
        event_type=row["event_type"],
        schema_version=row["schema_version"],
        producer=row["producer"],
        participant_id=row["participant_id"],
        correlation_id=str(row["correlation_id"]),
        causation_id=str(row["causation_id"]) if row["causation_id"] else None,
        occurred_at=utc_iso(row["occurred_at"]),
        recorded_at=utc_iso(row["recorded_at"]),
        topic=row["topic"],
        partition=row["partition"],
        offset=row["offset"],
        decision=row["decision"],
        reasons=tuple(row["reasons"]),
        evidence_ref=row["evidence_ref"],
        payload=json.loads(row["payload"]),
        actor_id=row["actor_id"],
        actor_agency=row["actor_agency"],
        actor_kind=row["actor_kind"],
    )


async def append_all(conn: asyncpg.Connection, drafts: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Chain ``drafts`` in order, each after its own chain's head, and insert them (inside
    the caller's transaction): one statement taking the touched chains' locks in ascending
    order, one reading their heads, one COPY, however many entries there are (a consumed
    batch's). They commit or roll back with the caller's transaction, all of them: a kill
    mid-batch leaves every chain as it was."""
    if not drafts:
        return []
    chains = sorted({draft.chain for draft in drafts})
    # one simple-protocol round trip, its statements run in this (ascending) order; the
    # keys are integers computed here, never input
    await conn.execute("".join(f"SELECT pg_advisory_xact_lock({chain_lock(c)});" for c in chains))
    # a statement after the locks: its snapshot sees every append committed before them
    heads = await conn.fetch(
        "SELECT c.chain, h.seq, h.hash FROM unnest($1::smallint[]) AS c(chain)"
        " LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log a WHERE a.chain = c.chain"
        " ORDER BY a.seq DESC LIMIT 1) h ON true",
        chains,
    )
    # (last seq, last hash) of each touched chain; an empty chain: (0, its genesis)
    tips = {h["chain"]: (h["seq"] or 0, h["hash"] or genesis(h["chain"])) for h in heads}
    entries: list[AuditEntry] = []
    rows: list[tuple[Any, ...]] = []
    for draft in drafts:
        seq, previous = tips[draft.chain]
        entry = dataclasses.replace(draft, seq=seq + 1)
        hashed = chain_hash(previous, entry.content())
        rows.append((*_values(entry), previous, hashed))
        entries.append(entry)
        tips[draft.chain] = (seq + 1, hashed)
    # one binary COPY: a statement per batch, not one per entry (make profile: the audit
    # INSERT was Postgres's most expensive statement, 8 executions a resident)
    await conn.copy_records_to_table("audit_log", records=rows, columns=_COPY_COLUMNS)
    return entries


def _values(entry: AuditEntry) -> tuple[Any, ...]:
    """The row's values in ``_COLUMNS`` order."""
    return (
        entry.chain,
        entry.seq,
        entry.event_id,
        entry.event_type,
        entry.schema_version,
        entry.producer,
        entry.participant_id,
        entry.correlation_id,
        entry.causation_id,
        datetime.fromisoformat(entry.occurred_at),
        datetime.fromisoformat(entry.recorded_at),
        entry.topic,
        entry.partition,
        entry.offset,
        entry.decision,
        list(entry.reasons),
        entry.evidence_ref,
        json.dumps(entry.payload),
        entry.actor_id,
        entry.actor_agency,
        entry.actor_kind,
    )


async def history(
    conn: asyncpg.Connection | PoolConnectionProxy[Any], participant_id: str
) -> list[AuditEntry]:
    """Every entry about one participant, by time of the fact (then by log order: one
    chain's, but rows from before chains existed are chain 0, before the rest)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE participant_id = $1"  # noqa: S608
        " ORDER BY occurred_at, chain, seq",
        participant_id,
    )
    return [_entry(r) for r in rows]


async def acts(
    conn: asyncpg.Connection | PoolConnectionProxy[Any],
    *,
    actor_id: str | None = None,
    actor_agency: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[AuditEntry]:
    """Every fact an actor's commands caused (or every fact commanded by an agency's staff
    and systems, or both filters at once), by time of the fact (then by log order)."""
    # constant fragments only (each filter its own, so the partial indexes serve it)
    filters = [("actor_id", actor_id), ("actor_agency", actor_agency)]
    named = [(column, value) for column, value in filters if value is not None]
    if not named:
        raise ValueError("name an actor, an agency, or both")
    where = " AND ".join(f"{column} = ${i}" for i, (column, _) in enumerate(named, start=1))
    n = len(named)
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE {where}"  # noqa: S608 - constant fragments
        f" ORDER BY occurred_at, chain, seq OFFSET ${n + 1} LIMIT ${n + 2}",
        *(value for _, value in named),
        offset,
        limit,
    )
    return [_entry(r) for r in rows]


async def entries_in_order(
    conn: asyncpg.Connection | PoolConnectionProxy[Any], *, prefetch: int = 1000
) -> AsyncIterator[tuple[AuditEntry, str]]:
    """Every (entry, stored hash), chain by chain, each in ``seq`` order, streamed (call
    inside a transaction); the primary key (chain, seq) is the order."""
    cursor: Any = conn.cursor(
        f"SELECT {_COLUMNS}, hash FROM audit_log ORDER BY chain, seq",  # noqa: S608
        prefetch=prefetch,
    )
    async for row in cursor:
        yield _entry(row), row["hash"]
