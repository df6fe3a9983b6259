"""The participant table (asyncpg, on the unit of work's connection).

The NIK and BPJS's messages are written sealed only (``adapters.at_rest``; their clear
columns NULL) and read from the sealed column, or from the clear one for a row the start-up
backfill has not converted yet. An erased resident's NIK and messages read as empty.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus.sealed_rows import PersonalColumns

from bpjs_gateway.adapters.at_rest import GatewayColumns
from bpjs_gateway.adapters.erasure import erase_participant
from bpjs_gateway.app.ports import ParticipantRecord, Status

__all__ = [
    "PARTICIPANT_COLUMNS",
    "SqlParticipants",
    "count_by_status",
    "get_participant",
    "record_of",
]

_COLUMNS = (
    "participant_id, proposal_id, status, no_kartu, kd_provider, nm_provider, kelas,"
    " tgl_tmt, tgl_tat, deactivation_reason, bpjs_code"
)
_SELECT = f"{_COLUMNS}, nik, nik_sealed, bpjs_message, bpjs_message_sealed"
_PERSONAL = ("nik", "bpjs_message")
PARTICIPANT_COLUMNS = _SELECT  # what ``record_of`` reads of a row

Conn = asyncpg.Connection | PoolConnectionProxy  # a handler's, or the pool's for a read


async def _record(conn: Conn, columns: GatewayColumns, row: asyncpg.Record) -> ParticipantRecord:
    return await record_of(conn, columns.participants, row)


async def record_of(conn: Conn, columns: PersonalColumns, row: asyncpg.Record) -> ParticipantRecord:
    """The participant of ``row`` (``PARTICIPANT_COLUMNS``), its NIK and message opened."""
    pid = row["participant_id"]
    clear = await columns.open(conn, pid, row, _PERSONAL)
    fields = {k: row[k] for k in _COLUMNS.replace(" ", "").split(",")}
    # an erased resident's NIK reads as '' (as the erasure used to blank it)
    return ParticipantRecord(**fields, nik=clear["nik"] or "", bpjs_message=clear["bpjs_message"])


class SqlParticipants:
    """:class:`ParticipantRepository` on one connection (inside its transaction)."""

    def __init__(self, conn: asyncpg.Connection, columns: GatewayColumns) -> None:
        self._conn = conn
        self._columns = columns

    async def get_for_update(self, participant_id: str) -> ParticipantRecord | None:
        row = await self._conn.fetchrow(
            f"SELECT {_SELECT} FROM participants WHERE participant_id = $1 FOR UPDATE",  # noqa: S608
            participant_id,
        )
        return await _record(self._conn, self._columns, row) if row is not None else None

    async def get(self, participant_id: str) -> ParticipantRecord | None:
        return await get_participant(self._conn, self._columns, participant_id)

    async def save(self, record: ParticipantRecord) -> None:
        pid = record.participant_id
        sealed = await self._columns.participants.seal(
            self._conn, pid, {"nik": record.nik, "bpjs_message": record.bpjs_message}, resident=True
        )
        await self._conn.execute(
            f"INSERT INTO participants ({_COLUMNS}, nik, nik_sealed, bpjs_message,"  # noqa: S608
            " bpjs_message_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, NULL, $13)"
            " ON CONFLICT (participant_id) DO UPDATE SET"
            " proposal_id = EXCLUDED.proposal_id, status = EXCLUDED.status,"
            " no_kartu = EXCLUDED.no_kartu, kd_provider = EXCLUDED.kd_provider,"
            " nm_provider = EXCLUDED.nm_provider, kelas = EXCLUDED.kelas,"
            " tgl_tmt = EXCLUDED.tgl_tmt, tgl_tat = EXCLUDED.tgl_tat,"
            " deactivation_reason = EXCLUDED.deactivation_reason,"
            " bpjs_code = EXCLUDED.bpjs_code, nik = NULL, nik_sealed = EXCLUDED.nik_sealed,"
            " bpjs_message = NULL, bpjs_message_sealed = EXCLUDED.bpjs_message_sealed,"
            " updated_at = now()",
            pid,
            record.proposal_id,
            record.status,
            record.no_kartu,
            record.kd_provider,
            record.nm_provider,
            record.kelas,
            record.tgl_tmt,
            record.tgl_tat,
            record.deactivation_reason,
            record.bpjs_code,
            sealed["nik"],
            sealed["bpjs_message"],
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
        sealed = await self._columns.mutations.seal(
            self._conn, participant_id, {"bpjs_message": bpjs_message}, resident=True
        )
        await self._conn.execute(
            "INSERT INTO bpjs_mutations (participant_id, mutation, cause_event_id, outcome,"
            " tgl_berlaku, no_kartu, bpjs_code, bpjs_message_sealed)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            participant_id,
            mutation,
            cause_event_id,
            outcome,
            tgl_berlaku,
            no_kartu,
            bpjs_code,
            sealed["bpjs_message"],
        )

    async def erase(self, participant_id: str) -> bool:
        return await erase_participant(self._conn, participant_id)


async def get_participant(
    conn: Conn, columns: GatewayColumns, participant_id: str
) -> ParticipantRecord | None:
    """Read one participant (no lock)."""
    row = await conn.fetchrow(
        f"SELECT {_SELECT} FROM participants WHERE participant_id = $1",  # noqa: S608
        participant_id,
    )
    return await _record(conn, columns, row) if row is not None else None


async def count_by_status(conn: Conn) -> dict[Status, int]:
    """How many participants are in each status (every status present, 0 if none)."""
    counts: dict[Status, int] = {"active": 0, "refused": 0, "deactivated": 0}
    for row in await conn.fetch("SELECT status, count(*) AS n FROM participants GROUP BY status"):
        counts[row["status"]] = row["n"]
    return counts
