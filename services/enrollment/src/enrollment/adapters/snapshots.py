"""A registry snapshot in SQL: COPY into staging, the diff against proposals, candidates.

Everything here runs in the loading transaction, which holds ``_LOAD_LOCK`` so one
snapshot at a time uses the staging table (snapshots come once a quarter).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterable, Sequence
from typing import Any

import asyncpg
from jkn_bus.at_rest import ServiceColumns
from jkn_bus.at_rest_batch import BatchSealer

from enrollment.adapters.personal import (
    CANDIDATE_RECORD,
    candidate_key,
    candidate_record,
    open_candidate,
    sealed,
)
from enrollment.domain.snapshot import RegistryValues

__all__ = [
    "STAGING_COLUMNS",
    "CandidateSeal",
    "best_candidates",
    "candidate_sealer",
    "candidates_page",
    "candidates_partition",
    "diff_into_requests",
    "keep_candidates",
    "load_staging",
    "mark_candidates",
]

_LOAD_LOCK = int.from_bytes(hashlib.sha256(b"snapshot-staging").digest()[:8], "big", signed=True)

STAGING_COLUMNS = (
    "line",
    "participant_id",
    "valid",
    "sex",
    "kelurahan",
    "welfare_decile",
    sealed(CANDIDATE_RECORD),
)
"""A staging record (``app.snapshot_file``): no personal field in clear; those of an
eligible row sealed as its candidate row keeps them, one value (migration 0016)."""


async def load_staging(
    conn: asyncpg.Connection, records: AsyncIterable[tuple[Any, ...]], *, work_mem_mb: int
) -> None:
    """Empty the staging table and COPY the rows in (binary COPY, streamed).

    ``work_mem_mb``: the memory each sort or hash of the loading transaction may take
    (``work_mem``, for the rest of the transaction). The diff hashes a million staging rows
    and the candidates are sorted by pseudonym: with Postgres's default of 4 MB each spills
    to disk (``EXPLAIN ANALYZE`` of a million-row snapshot: a hash of staging in 16 batches,
    the candidates' sort an external merge); with 256 MB, none does."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOAD_LOCK)
    # SET takes no parameter; the value is an int
    await conn.execute(f"SET LOCAL work_mem = '{int(work_mem_mb)}MB'")
    await conn.execute("TRUNCATE snapshot_staging")
    await conn.copy_records_to_table("snapshot_staging", records=records, columns=STAGING_COLUMNS)
    # Fresh rows have no statistics: without them the planner may pick a nested loop.
    await conn.execute("ANALYZE snapshot_staging")


async def diff_into_requests(
    conn: asyncpg.Connection,
    run_id: uuid.UUID,
    *,
    statuses: Sequence[str],
    max_eligible: int,
    evidence: str,
    reported_by: str,
) -> None:
    """Store a deactivation request for each current participant who is absent from the
    snapshot (tidak_ditemukan) or above the eligible deciles in it (mampu).

    A row that failed validation still shows its NIK is in the registry: its participant
    is not "absent" (its decile, unchecked, is not used). A request of a rejected run
    (never sent) does not stand in the way.
    """
    await conn.execute(
        "INSERT INTO deactivation_requests (run_id, participant_id, proposal_id, reason,"
        " evidence_ref, reported_by, kelurahan, line, event_id)"
        " SELECT $1, p.participant_id, p.proposal_id, 'tidak_ditemukan', $3 || ':absent', $4,"
        "  p.kelurahan, NULL, gen_random_uuid()"
        " FROM proposals p"
        " WHERE p.status = ANY($2::text[])"
        # staging probed against the participants (a hash of a few thousand), not hashed
        # whole (a million rows) to probe it with each participant
        "  AND p.participant_id NOT IN (SELECT s.participant_id FROM snapshot_staging s"
        "                               WHERE EXISTS (SELECT 1 FROM proposals c"
        "                                             WHERE c.participant_id = s.participant_id"
        "                                              AND c.status = ANY($2::text[])))"
        "  AND NOT EXISTS (SELECT 1 FROM deactivation_requests d"
        "                  WHERE d.proposal_id = p.proposal_id AND (d.run_id IS NULL"
        "                  OR d.run_id NOT IN (SELECT run_id FROM reconciliation_runs"
        "                                      WHERE status = 'rejected')))"
        " ORDER BY p.proposal_id"
        " ON CONFLICT DO NOTHING",
        run_id,
        list(statuses),
        evidence,
        reported_by,
    )
    await conn.execute(
        "INSERT INTO deactivation_requests (run_id, participant_id, proposal_id, reason,"
        " evidence_ref, reported_by, kelurahan, line, event_id)"
        " SELECT $1, p.participant_id, p.proposal_id, 'mampu',"
        "  $4 || ':line=' || s.line || ':decile=' || s.decile, $5, p.kelurahan, s.line,"
        "  gen_random_uuid()"
        " FROM proposals p"
        # the staging rows of current participants only are grouped (a few thousand of a
        # million: grouping them all took 1.1 s, through 63 MB of disk at 4 MB work_mem)
        " JOIN (SELECT s.participant_id, min(s.welfare_decile) AS decile, min(s.line) AS line"
        "       FROM snapshot_staging s"
        "       WHERE s.valid AND EXISTS (SELECT 1 FROM proposals c"
        "                                 WHERE c.participant_id = s.participant_id"
        "                                  AND c.status = ANY($2::text[]))"
        "       GROUP BY s.participant_id) s"
        "   ON s.participant_id = p.participant_id"
        " WHERE p.status = ANY($2::text[]) AND s.decile > $3"
        "  AND NOT EXISTS (SELECT 1 FROM deactivation_requests d"
        "                  WHERE d.proposal_id = p.proposal_id AND (d.run_id IS NULL"
        "                  OR d.run_id NOT IN (SELECT run_id FROM reconciliation_runs"
        "                                      WHERE status = 'rejected')))"
        " ORDER BY p.proposal_id"
        " ON CONFLICT DO NOTHING",
        run_id,
        list(statuses),
        max_eligible,
        evidence,
        reported_by,
    )


_CANDIDATE_COLUMNS = (
    "participant_id",
    "line",
    "sex",
    "kelurahan",
    "welfare_decile",
    sealed(CANDIDATE_RECORD),
)
_KEEP = (
    "INSERT INTO {partition} (run_id, " + ", ".join(_CANDIDATE_COLUMNS) + ")"  # noqa: S608 - constants, a UUID
    " SELECT DISTINCT ON (s.participant_id) $1, "
    + ", ".join("s." + c for c in _CANDIDATE_COLUMNS)
    + " FROM snapshot_staging s"
    " WHERE s.valid AND s.welfare_decile = ANY($2::int[])"
    "  AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.participant_id = s.participant_id"
    "                  AND p.status NOT IN ('rejected', 'refused', 'deactivated'))"
    " ORDER BY s.participant_id, s.line"
)


class CandidateSeal:
    """Seals a registry row's NIK, KK, name and birth date as the run's candidate row keeps
    them: one value (``candidate_record``) under the service's key ``version``, bound to the
    run and the resident (``candidate_key``). It can be handed to a worker process
    (``app.snapshot_shares``): it pickles as its table, key and run, and makes its cipher
    again there. Its ``repr`` shows no key."""

    def __init__(self, table: str, version: int, key: bytes, run_id: uuid.UUID) -> None:
        self._state = (table, version, key, run_id)
        self._seal = BatchSealer(table, version, key).row_sealer((CANDIDATE_RECORD,))
        self._run = candidate_key(run_id, "")  # a candidate's row key: this and its pseudonym

    def __call__(self, participant_id: str, values: RegistryValues) -> tuple[bytes | None, ...]:
        nik, kk, name, _sex, birth_date, _kelurahan, _decile = values
        record = candidate_record(nik, kk, name, birth_date.isoformat())
        return self._seal(self._run + participant_id, (record,))

    def __reduce__(self) -> tuple[type[CandidateSeal], tuple[str, int, bytes, uuid.UUID]]:
        return CandidateSeal, self._state

    def __repr__(self) -> str:
        return f"CandidateSeal(table={self._state[0]!r}, run_id={self._state[3]})"


async def candidate_sealer(
    conn: asyncpg.Connection, run_id: uuid.UUID, personal: ServiceColumns
) -> CandidateSeal:
    """What seals the run's candidates under ``personal``'s current key (read, or created,
    in ``conn``). The parse calls it per eligible row, so staging holds them sealed and
    ``keep_candidates`` copies them as they are."""
    version, key = await personal.keys.current(conn)
    return CandidateSeal(personal.table, version, key, run_id)


def candidates_partition(run_id: uuid.UUID) -> str:
    """The table holding a run's candidates, a partition of ``candidates`` (migration
    0015): named by the run's id, which is a UUID, so the name needs no quoting."""
    return f"candidates_{run_id.hex}"


async def keep_candidates(
    conn: asyncpg.Connection, run_id: uuid.UUID, eligible: Sequence[int]
) -> int:
    """Keep the snapshot's eligible residents who have no open proposal (never proposed,
    or their last proposal is over: CLOSED_STATUSES), each at their first eligible line,
    with the NIK, KK, name and birth date the parse sealed for them (``candidate_sealer``);
    return how many. Empties staging.

    The rows never leave Postgres: one ``INSERT … SELECT`` into a table of the run's own,
    made like ``candidates`` and bare of indexes, which is then attached as the run's
    partition: its indexes are built once, sorted, and its foreign key to the run checked
    once for all rows, instead of both for every row. The whole of it is in the loading
    transaction: a refused or failed preview leaves no table behind. Half a million
    candidates are sorted in about 130 MB (``load_staging``'s ``work_mem_mb``)."""
    partition = candidates_partition(run_id)
    # DDL takes no parameters: the names and the value are made from a UUID, nothing typed
    await conn.execute(
        f"CREATE TABLE {partition} (LIKE candidates INCLUDING DEFAULTS INCLUDING CONSTRAINTS,"
        f" CHECK (run_id = '{run_id}'))"  # lets ATTACH skip scanning for the partition bound
    )
    status = await conn.execute(_KEEP.format(partition=partition), run_id, list(eligible))
    await conn.execute(
        f"ALTER TABLE candidates ATTACH PARTITION {partition} FOR VALUES IN ('{run_id}')"
    )
    await conn.execute("TRUNCATE snapshot_staging")
    return int(status.split()[-1])


async def best_candidates(
    conn: asyncpg.Connection, run_id: uuid.UUID, limit: int, personal: ServiceColumns
) -> list[dict[str, Any]]:
    """The best ``limit`` candidates not proposed yet (lowest decile, then file order),
    locked so that two concurrent calls cannot propose the same resident; their personal
    fields opened (``birth_date`` a date)."""
    rows = await conn.fetch(
        "SELECT * FROM candidates WHERE run_id = $1 AND status = 'candidate'"
        " ORDER BY welfare_decile, line LIMIT $2 FOR UPDATE SKIP LOCKED",
        run_id,
        limit,
    )
    return [{**dict(r), **await open_candidate(personal, conn, r)} for r in rows]


async def mark_candidates(
    conn: asyncpg.Connection,
    run_id: uuid.UUID,
    proposed: dict[str, uuid.UUID],
    already: Sequence[str],
) -> None:
    await conn.execute(
        "UPDATE candidates c SET status = 'proposed', proposal_id = r.proposal_id"
        " FROM unnest($2::text[], $3::uuid[]) AS r(participant_id, proposal_id)"
        " WHERE c.run_id = $1 AND c.participant_id = r.participant_id",
        run_id,
        list(proposed),
        list(proposed.values()),
    )
    await conn.execute(
        "UPDATE candidates SET status = 'already_proposed'"
        " WHERE run_id = $1 AND participant_id = ANY($2::text[])",
        run_id,
        list(already),
    )


async def candidates_page(
    conn: asyncpg.Connection | asyncpg.Pool, run_id: uuid.UUID, *, offset: int, limit: int
) -> list[asyncpg.Record]:
    """Candidates in priority order, without personal data."""
    return list(
        await conn.fetch(
            "SELECT participant_id, line, kelurahan, welfare_decile, status, proposal_id"
            " FROM candidates WHERE run_id = $1"
            " ORDER BY welfare_decile, line OFFSET $2 LIMIT $3",
            run_id,
            offset,
            limit,
        )
    )
