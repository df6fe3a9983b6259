"""The intents table (migration 0005): recorded in the consumer's transaction, claimed and
settled by the worker in short transactions of its own (``app.worker``)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from datetime import date
from typing import Any

import asyncpg
from jkn_bus import UnitOfWork, key_memo
from jkn_bus.key_memo import transaction_keys
from jkn_bus.personal_data import PersonalDataErased
from jkn_bus.sealed_rows import PersonalColumns
from jkn_bus.telemetry import current_trace_headers, transaction_span
from jkn_contracts import parse_event

from bpjs_gateway.adapters.participants import PARTICIPANT_COLUMNS, record_of
from bpjs_gateway.app.ports import Intent, Operation

__all__ = ["SqlIntentQueue", "SqlIntentRecorder"]

# Each participant's oldest open intent, if it is due (pending and its time has come, or in
# flight past its lease: the worker that claimed it died). Younger intents of a participant
# wait for it, so a participant's calls run one at a time and in the order recorded.
# The participant's row comes along (``participants.record_of`` reads it): its columns but
# the shared participant_id. ``known``: the participant has a row.
_PARTICIPANT = ", ".join(
    f"p.{c.strip()}" for c in PARTICIPANT_COLUMNS.split(",") if c.strip() != "participant_id"
)
# The claim must walk bpjs_intents_due in order and stop at its limit. Left to itself, the
# planner judged the table by statistics taken when it was far smaller (it grows by
# thousands of rows between two autovacuum ANALYZEs) and read every open intent, probed
# each for an older one and sorted them all: 6-23 ms a claim with 900-1,800 open intents
# against about 1 ms in index order (EXPLAIN ANALYZE of both, side by side, during
# ``make profile``). For this transaction only: no sort, no bitmap scan.
_IN_DUE_ORDER = (
    "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)"
)
# The operations whose call sends the cause's personal fields (a look-up's NIK, a tambah's
# resident): the claim opens them (``Intent.personal``). A kurang sends what the
# participant's row holds.
_SENDS_PERSONAL = frozenset({"lookup", "tambah"})
Opener = Callable[[Any, Any], Awaitable[Any]]
"""Opens an event's personal fields on a connection (``jkn_bus.keyring.Sealer.open``)."""

_CLAIM = f"""
WITH due AS (
    SELECT i.id FROM bpjs_intents i
    WHERE i.state IN ('pending', 'in_flight')
      AND i.operation = ANY($1::text[]) AND NOT (i.participant_id = ANY($3::text[]))
      AND ((i.state = 'pending' AND i.next_attempt_at <= now())
           OR (i.state = 'in_flight' AND i.claimed_at < now() - make_interval(secs => $4)))
      -- its participant's oldest open intent (migration 0008: walked in due order)
      AND NOT EXISTS (
          SELECT FROM bpjs_intents e WHERE e.participant_id = i.participant_id
          AND e.id < i.id AND e.state IN ('pending', 'in_flight'))
    ORDER BY i.next_attempt_at, i.id
    LIMIT $2
    FOR UPDATE OF i SKIP LOCKED
), claimed AS (
    UPDATE bpjs_intents i
    SET state = 'in_flight', attempts = i.attempts + 1, claimed_at = now(), updated_at = now(),
        outcome_unknown = i.outcome_unknown OR i.state = 'in_flight'
    FROM due WHERE i.id = due.id
    RETURNING i.id, i.participant_id, i.operation, i.cause, i.cause_sealed, i.client_ref,
              i.tgl_berlaku, i.attempts, i.outcome_unknown, i.trace_headers
)
SELECT c.*, p.participant_id IS NOT NULL AS known, {_PARTICIPANT}
FROM claimed c LEFT JOIN participants p USING (participant_id)
"""  # noqa: S608 - column names of this package's constant, no input


async def _intent(
    conn: Any, columns: PersonalColumns, row: asyncpg.Record, opener: Opener | None
) -> Intent:
    """The claimed row and its participant's; its cause None when it can no longer be
    opened (the resident's key destroyed: an erasure on its way). The cause, its personal
    fields (``opener``, for the operations whose call sends them) and the participant's
    NIK are opened with the key the claim read (``IntentQueue.claim``)."""
    clear = await columns.open(conn, row["participant_id"], row, ("cause",))
    participant = (
        await record_of(conn, dataclasses.replace(columns, table="participants"), row)
        if row["known"]
        else None
    )
    cause = parse_event(clear["cause"]) if clear["cause"] else None
    opened, personal = False, None
    if opener is not None and cause is not None and row["operation"] in _SENDS_PERSONAL:
        try:
            opened, personal = True, await opener(conn, cause)
        except PersonalDataErased:  # None: the call is skipped, ERASED
            opened = True
        except Exception:
            # unreadable: the call opens it again and fails alone (its attempt retried and
            # counted), not the claim with the round's other intents
            opened = False
    return Intent(
        id=row["id"],
        participant_id=row["participant_id"],
        operation=row["operation"],
        cause=cause,
        client_ref=row["client_ref"],
        tgl_berlaku=row["tgl_berlaku"],
        attempts=row["attempts"],
        outcome_unknown=row["outcome_unknown"],
        trace=json.loads(row["trace_headers"]) if row["trace_headers"] else {},
        participant=participant,
        read_along=True,
        personal=personal,
        opened=opened,
    )


class SqlIntentRecorder:
    """:class:`IntentRecorder` on the consumer's connection (inside its transaction); the
    cause is written sealed only (``columns``: ``GatewayColumns.intents``)."""

    def __init__(self, conn: asyncpg.Connection, columns: PersonalColumns) -> None:
        self._conn = conn
        self._columns = columns

    async def record(
        self, *, cause: Any, operation: Operation, tgl_berlaku: date | None = None
    ) -> bool:
        sealed = await self._columns.seal(
            self._conn, cause.participant_id, {"cause": cause.model_dump_json()}, resident=True
        )
        # One statement: the row, and the worker's wake-up only when it is new (NOTIFY is
        # transactional: sent at the consumer's commit, once per channel however many).
        # It is the handlers' only write, and their last: they run without a savepoint
        # of their own in a batch (``app.handlers``, ``jkn_bus.batch.defers_all_writes``).
        recorded = await self._conn.fetchval(
            "WITH ins AS (INSERT INTO bpjs_intents (participant_id, cause_event_id, operation,"
            " client_ref, cause_sealed, tgl_berlaku, trace_headers)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
            " ON CONFLICT (cause_event_id, operation) DO NOTHING RETURNING true AS new)"
            " SELECT new FROM ins, LATERAL (SELECT pg_notify('bpjs_intents', '') WHERE new) AS w",
            cause.participant_id,
            cause.event_id,
            operation,
            uuid.uuid4(),
            sealed["cause"],
            tgl_berlaku,
            json.dumps(current_trace_headers()),
        )
        return bool(recorded)

    async def cancel_open(self, participant_id: str) -> int:
        cancelled = await self._conn.fetchval(
            "WITH c AS (UPDATE bpjs_intents SET state = 'cancelled', cause = NULL,"
            " cause_sealed = NULL,"
            " outcome = 'erased', updated_at = now()"
            " WHERE participant_id = $1 AND state IN ('pending', 'in_flight') RETURNING 1)"
            " SELECT count(*) FROM c",
            participant_id,
        )
        # a settled intent's cause is no longer needed either
        await self._conn.execute(
            "UPDATE bpjs_intents SET cause = NULL, cause_sealed = NULL WHERE participant_id = $1"
            " AND (cause IS NOT NULL OR cause_sealed IS NOT NULL)",
            participant_id,
        )
        return int(cancelled or 0)


class SqlIntentQueue:
    """:class:`IntentQueue` on ``pool``; outcome units of work write to the outbox under
    ``topic_prefix``, caused by the intent's event."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        columns: PersonalColumns,
        *,
        topic_prefix: str,
        schema: str,
        lease_s: float,
        opener: Opener | None = None,
    ) -> None:
        """``opener``: opens a claimed intent's personal fields (``Intent.personal``);
        None: the call opens them itself (``reading``)."""
        self._pool = pool
        self._columns = columns
        self._opener = opener
        self._prefix = topic_prefix
        self._schema = schema
        self._lease_s = lease_s

    async def claim(
        self, operations: Sequence[str], limit: int, *, busy: Collection[str]
    ) -> list[Intent]:
        if limit <= 0 or not operations:
            return []
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute(_IN_DUE_ORDER)
                rows = await conn.fetch(
                    _CLAIM, list(operations), limit, list(busy), float(self._lease_s)
                )
            # the round's residents' keys in one read, each used for its cause, the
            # cause's personal fields and the participant's NIK
            with transaction_keys():
                key_memo.expect(row["participant_id"] for row in rows)
                return [
                    await _intent(conn, self._columns, row, self._opener)
                    for row in sorted(rows, key=lambda r: r["id"])
                ]

    @contextlib.asynccontextmanager
    async def reading(self, intent: Intent) -> AsyncIterator[UnitOfWork]:
        # No transaction: its reads (the participant row, the resident's key) are each a
        # snapshot of their own under READ COMMITTED anyway, and nothing is written; a
        # BEGIN and a COMMIT an intent fewer. The key is read once for all of them.
        with transaction_keys():
            async with self._pool.acquire() as conn:
                yield UnitOfWork(conn, topic_prefix=self._prefix, cause=intent.cause)

    @contextlib.asynccontextmanager
    async def recording(self, intent: Intent, outcome: str) -> AsyncIterator[UnitOfWork | None]:
        with transaction_span(self._schema), transaction_keys():
            async with self._pool.acquire() as conn, conn.transaction():
                # first: marks it done (its row locked until the commit) if it is still
                # this claim's; whatever the outcome writes next commits with it or not at all
                ours = await conn.fetchval(
                    "UPDATE bpjs_intents SET state = 'done', outcome = $3, last_error = NULL,"
                    " updated_at = now()"
                    " WHERE id = $1 AND state = 'in_flight' AND attempts = $2 RETURNING true",
                    intent.id,
                    intent.attempts,
                    outcome,
                )
                yield (
                    UnitOfWork(conn, topic_prefix=self._prefix, cause=intent.cause)
                    if ours
                    else None
                )

    async def retry(
        self, intent: Intent, *, delay_s: float, unknown: bool, error: str, counted: bool
    ) -> None:
        await self._pool.execute(
            "UPDATE bpjs_intents SET state = 'pending',"
            " next_attempt_at = now() + make_interval(secs => $2),"
            " outcome_unknown = outcome_unknown OR $3, last_error = $4,"
            " attempts = attempts - CASE WHEN $5 THEN 0 ELSE 1 END, updated_at = now()"
            " WHERE id = $1 AND state = 'in_flight' AND attempts = $6",
            intent.id,
            float(delay_s),
            unknown,
            error,
            counted,
            intent.attempts,
        )
