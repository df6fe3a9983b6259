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


async def load_staging(conn: asyncpg.Connection, records: AsyncIterable[tuple[Any, ...]]) -> None:
    """Empty the staging table and COPY the rows in (binary COPY, streamed)."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOAD_LOCK)
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
        "  AND NOT EXISTS (SELECT 1 FROM snapshot_staging s"
        "                  WHERE s.participant_id = p.participant_id)"
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
        " JOIN (SELECT participant_id, min(welfare_decile) AS decile, min(line) AS line"
        "       FROM snapshot_staging WHERE valid GROUP BY participant_id) s"
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
    conn: asyncpg.Connection, run_id: uuid.UUID, eligible: Sequence[int], *, sort_mb: int
) -> int:
    """Keep the snapshot's eligible residents who have no open proposal (never proposed,
    or their last proposal is over: CLOSED_STATUSES), each at their first eligible line,
    with the NIK, KK, name and birth date the parse sealed for them (``candidate_sealer``);
    return how many. Empties staging.

    The rows never leave Postgres: one ``INSERT … SELECT`` into a table of the run's own,
    made like ``candidates`` and bare of indexes, which is then attached as the run's
    partition: its indexes are built once, sorted, and its foreign key to the run checked
    once for all rows, instead of both for every row. The whole of it is in the loading
    transaction: a refused or failed preview leaves no table behind.

    ``sort_mb``: the memory Postgres may sort the candidates in (``work_mem``, for the rest
    of the transaction): half a million of them take about 180 MB; with Postgres's default
    of 4 MB the sort goes to disk and the copy takes half as long again."""
    partition = candidates_partition(run_id)
    await conn.execute(f"SET LOCAL work_mem = '{int(sort_mb)}MB'")
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
