"""The audit log table: append under the chain lock, read a history or an actor's acts,
stream for verification.

Why one writer at a time. The chain is a total order: each row names its predecessor's
hash. Two transactions appending at once would both read the same head and fork the chain
(``UNIQUE (prev_hash)`` would then reject one, which the consumer retries — correct, but a
failure path). So every append takes a transaction-scoped advisory lock first and reads the
head *under* it: appends are serialised across connections, processes and replicas, and the
head read is the last committed one. With one consumer group ("audit") one process
normally appends, in consumption order, and the lock is uncontended. A consumed batch's
entries are appended together (``append_all``, just before the batch commits): the lock is
taken once a batch and held only for the last statements of its transaction.
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

from jkn_audit.domain.chain import GENESIS, chain_hash
from jkn_audit.domain.entries import AuditEntry, utc_iso

__all__ = ["CHAIN_LOCK", "acts", "append_all", "entries_in_order", "history"]

CHAIN_LOCK = int.from_bytes(hashlib.sha256(b"jkn_audit:chain").digest()[:8], "big", signed=True)

_COLUMNS = (
    "seq, event_id, event_type, schema_version, producer, participant_id, correlation_id,"
    ' causation_id, occurred_at, recorded_at, topic, partition, "offset", decision, reasons,'
    " evidence_ref, payload, actor_id, actor_agency, actor_kind"
)


def _entry(row: asyncpg.Record) -> AuditEntry:
    return AuditEntry(
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
    """Chain ``drafts`` in order after the head and insert them (inside the caller's
    transaction): one lock, one read of the head and one statement however many there are
    (a consumed batch's entries). They commit or roll back with the caller's transaction,
    all of them: a kill mid-batch leaves the chain as it was."""
    if not drafts:
        return []
    await conn.execute("SELECT pg_advisory_xact_lock($1)", CHAIN_LOCK)
    head = await conn.fetchrow("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    seq, previous = (head["seq"], head["hash"]) if head is not None else (0, GENESIS)
    entries: list[AuditEntry] = []
    rows: list[tuple[Any, ...]] = []
    for draft in drafts:
        seq += 1
        entry = dataclasses.replace(draft, seq=seq)
        hashed = chain_hash(previous, entry.content())
        rows.append((*_values(entry), previous, hashed))
        entries.append(entry)
        previous = hashed
    await conn.executemany(
        f"INSERT INTO audit_log ({_COLUMNS}, prev_hash, hash)"  # noqa: S608 - constant columns
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
        " $17::jsonb, $18, $19, $20, $21, $22)",
        rows,
    )
    return entries


def _values(entry: AuditEntry) -> tuple[Any, ...]:
    """The row's values in ``_COLUMNS`` order."""
    return (
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
    """Every entry about one participant, by time of the fact (then by log order)."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM audit_log WHERE participant_id = $1"  # noqa: S608
        " ORDER BY occurred_at, seq",
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
        f" ORDER BY occurred_at, seq OFFSET ${n + 1} LIMIT ${n + 2}",
        *(value for _, value in named),
        offset,
        limit,
    )
    return [_entry(r) for r in rows]


async def entries_in_order(
    conn: asyncpg.Connection | PoolConnectionProxy[Any], *, prefetch: int = 1000
) -> AsyncIterator[tuple[AuditEntry, str]]:
    """Every (entry, stored hash) in ``seq`` order, streamed (call inside a transaction)."""
    cursor: Any = conn.cursor(
        f"SELECT {_COLUMNS}, hash FROM audit_log ORDER BY seq",  # noqa: S608
        prefetch=prefetch,
    )
    async for row in cursor:
        yield _entry(row), row["hash"]
