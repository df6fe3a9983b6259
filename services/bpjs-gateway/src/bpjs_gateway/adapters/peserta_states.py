"""BPJS's last known state of each card, in columns of the participant table (asyncpg)."""

from __future__ import annotations

import asyncpg
from jkn_contracts import Membership

from bpjs_gateway.app.ports import CardState

__all__ = ["SqlPesertaStates"]

_COLUMNS = (
    "participant_id, status, no_kartu, jenis_peserta_kode, jenis_peserta, status_kode,"
    " status_peserta"
)


def _state(row: asyncpg.Record) -> CardState:
    membership = None
    if row["no_kartu"] is not None and row["status_kode"] is not None:
        membership = Membership(
            no_kartu=row["no_kartu"],
            jenis_peserta_kode=row["jenis_peserta_kode"],
            jenis_peserta=row["jenis_peserta"],
            status_kode=row["status_kode"],
            status=row["status_peserta"],
        )
    return CardState(row["participant_id"], row["status"], row["no_kartu"], membership)


class SqlPesertaStates:
    """:class:`PesertaStates` on one connection (inside its transaction)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def active_cards(self, *, after: str, limit: int) -> list[CardState]:
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM participants"  # noqa: S608 - constant column list
            " WHERE status = 'active' AND no_kartu IS NOT NULL AND participant_id > $1"
            " ORDER BY participant_id LIMIT $2",
            after,
            limit,
        )
        return [_state(r) for r in rows]

    async def get_for_update(self, participant_id: str) -> CardState | None:
        row = await self._conn.fetchrow(
            f"SELECT {_COLUMNS} FROM participants"  # noqa: S608 - constant column list
            " WHERE participant_id = $1 FOR UPDATE",
            participant_id,
        )
        return _state(row) if row is not None else None

    async def store(self, participant_id: str, membership: Membership) -> None:
        await self._conn.execute(
            "UPDATE participants SET jenis_peserta_kode = $2, jenis_peserta = $3,"
            " status_kode = $4, status_peserta = $5, synced_at = now(), updated_at = now()"
            " WHERE participant_id = $1",
            participant_id,
            membership.jenis_peserta_kode,
            membership.jenis_peserta,
            membership.status_kode,
            membership.status,
        )
