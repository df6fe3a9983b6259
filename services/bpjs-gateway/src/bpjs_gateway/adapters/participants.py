"""The participant table (asyncpg, on the unit of work's connection)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bpjs_gateway.app.ports import ParticipantRecord, Status

__all__ = ["SqlParticipants", "count_by_status", "get_participant"]

_COLUMNS = (
    "participant_id, proposal_id, nik, status, no_kartu, kd_provider, nm_provider, kelas,"
    " tgl_tmt, tgl_tat, deactivation_reason, bpjs_code, bpjs_message"
)


def _record(row: asyncpg.Record) -> ParticipantRecord:
    return ParticipantRecord(**dict(row.items()))


class SqlParticipants:
    """:class:`ParticipantRepository` on one connection (inside its transaction)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get_for_update(self, participant_id: str) -> ParticipantRecord | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM participants WHERE participant_id = $1 FOR UPDATE",  # noqa: S608
            participant_id,
        )
        return _record(row) if row is not None else None

    async def save(self, record: ParticipantRecord) -> None:
        await self._conn.execute(
            f"INSERT INTO participants ({_COLUMNS})"  # noqa: S608
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            " ON CONFLICT (participant_id) DO UPDATE SET"
            " proposal_id = EXCLUDED.proposal_id, nik = EXCLUDED.nik, status = EXCLUDED.status,"
            " no_kartu = EXCLUDED.no_kartu, kd_provider = EXCLUDED.kd_provider,"
            " nm_provider = EXCLUDED.nm_provider, kelas = EXCLUDED.kelas,"
            " tgl_tmt = EXCLUDED.tgl_tmt, tgl_tat = EXCLUDED.tgl_tat,"
            " deactivation_reason = EXCLUDED.deactivation_reason,"
            " bpjs_code = EXCLUDED.bpjs_code, bpjs_message = EXCLUDED.bpjs_message,"
            " updated_at = now()",
            record.participant_id,
            record.proposal_id,
            record.nik,
            record.status,
            record.no_kartu,
            record.kd_provider,
            record.nm_provider,
            record.kelas,
            record.tgl_tmt,
            record.tgl_tat,
            record.deactivation_reason,
            record.bpjs_code,
            record.bpjs_message,
        )

    async def log_mutation(
        self,
        *,
        participant_id: str,
        mutation: str,
        cause_event_id: uuid.UUID | None,
        outcome: Literal["accepted", "refused"],
        tgl_berlaku: date,
        no_kartu: str | None = None,
        bpjs_code: str | None = None,
        bpjs_message: str | None = None,
    ) -> None:
        await self._conn.execute(
            "INSERT INTO bpjs_mutations (participant_id, mutation, cause_event_id, outcome,"
            " tgl_berlaku, no_kartu, bpjs_code, bpjs_message)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            participant_id,
            mutation,
            cause_event_id,
            outcome,
            tgl_berlaku,
            no_kartu,
            bpjs_code,
            bpjs_message,
        )


async def get_participant(
    conn: asyncpg.Connection | PoolConnectionProxy[Any], participant_id: str
) -> ParticipantRecord | None:
    """Read one participant (no lock)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM participants WHERE participant_id = $1",  # noqa: S608
        participant_id,
    )
    return _record(row) if row is not None else None


async def count_by_status(
    conn: asyncpg.Connection | PoolConnectionProxy[Any],
) -> dict[Status, int]:
    """How many participants are in each status (every status present, 0 if none)."""
    counts: dict[Status, int] = {"active": 0, "refused": 0, "deactivated": 0}
    for row in await conn.fetch("SELECT status, count(*) AS n FROM participants GROUP BY status"):
        counts[row["status"]] = row["n"]
    return counts
