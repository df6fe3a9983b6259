"""BPJS's side of the invariant check: what BPJS shows for each resident the gateway knows.

Two readers, chosen by ``python -m jkn_demo invariants --bpjs store|vclaim``:

- ``SimulatorStore`` (development, end-to-end tests): the simulator's peserta register (an
  SQLite file, read-only), by the card number the gateway holds.
- ``VClaimLookup`` (production): BPJS itself, VClaim's participant look-up **by NIK**
  (docs/domain.md#peserta-lookup) through the gateway's signed bridging client
  (``bpjs_gateway.adapters.bpjs_client``, on ``bpjs_bridging``'s signatures and response
  decryption), with the gateway's BPJS credentials. By NIK, not by card: a resident BPJS
  registered while the gateway recorded no card (a refusal, an answer lost) is found too.
  The NIK is the gateway's own copy, opened with the gateway's keys on the gateway's
  database role; it stays in memory, is never printed, logged or kept.

Both answer ``statusPeserta`` by participant, of the city's card only (segment 22, PBI
APBD): a resident BPJS covers in another segment is not the city's to pay.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import asyncpg

__all__ = ["BpjsReader", "GatewayRow", "SimulatorStore", "VClaimLookup"]

_JENIS_PBI_APBD = "22"  # bpjs_bridging.codes.JENIS_PBI_APBD


@dataclass(frozen=True)
class GatewayRow:
    """A resident the gateway holds a record of, and the card it recorded (if any)."""

    participant_id: str
    no_kartu: str | None


class BpjsReader(Protocol):
    async def statuses(self, rows: list[GatewayRow]) -> dict[str, str]:
        """statusPeserta of the city's card, by participant id (absent: none at BPJS)."""
        ...


class SimulatorStore:
    """The simulator's register, by card number (opened read-only)."""

    def __init__(self, sim_db: Path) -> None:
        self._sim_db = sim_db

    def _read(self, cards: list[str]) -> dict[str, str]:
        if not cards or not self._sim_db.exists():
            return {}
        db = sqlite3.connect(f"file:{quote(str(self._sim_db))}?mode=ro", uri=True)
        try:
            marks = ",".join("?" * len(cards))
            found = db.execute(
                f"SELECT no_kartu, status FROM peserta WHERE no_kartu IN ({marks})",  # noqa: S608 - placeholders only
                cards,
            ).fetchall()
        finally:
            db.close()
        return {str(card): str(status) for card, status in found}

    async def statuses(self, rows: list[GatewayRow]) -> dict[str, str]:
        by_card = await asyncio.to_thread(
            self._read, [r.no_kartu for r in rows if r.no_kartu is not None]
        )
        return {
            r.participant_id: by_card[r.no_kartu]
            for r in rows
            if r.no_kartu is not None and r.no_kartu in by_card
        }


class VClaimLookup:
    """BPJS's VClaim look-up by NIK, through the gateway's bridging client.

    ``gateway_database_url``: the gateway's own role (its schema, its sealed NIK column);
    the keys and the BPJS credentials are the gateway's settings (``JKN_KEK*``,
    ``BPJS_BASE_URL``, ``BPJS_CONS_ID``, ``BPJS_SECRET``, ``BPJS_USER_KEY``), read from the
    environment unless ``bpjs_base_url`` names the service to ask."""

    def __init__(
        self,
        gateway_database_url: str,
        *,
        bpjs_base_url: str | None = None,
        concurrency: int = 8,
        on: date | None = None,
    ) -> None:
        self._url = gateway_database_url
        self._base_url = bpjs_base_url
        self._concurrency = concurrency
        self._on = on

    async def _niks(self, rows: list[GatewayRow]) -> dict[str, str]:
        from bpjs_gateway.adapters.at_rest import gateway_columns  # noqa: PLC0415 - VClaim mode only
        from jkn_bus.personal_data import LocalKeks  # noqa: PLC0415

        columns = gateway_columns(LocalKeks.from_env())
        conn = await asyncpg.connect(self._url)
        try:
            found = await conn.fetch(
                "SELECT participant_id, nik, nik_sealed FROM participants"
                " WHERE participant_id = ANY($1::text[])",
                [r.participant_id for r in rows],
            )
            niks: dict[str, str] = {}
            for row in found:
                clear = await columns.participants.open(conn, row["participant_id"], row, ("nik",))
                if clear["nik"]:  # erased: nothing to ask about
                    niks[row["participant_id"]] = clear["nik"]
        finally:
            await conn.close()
        return niks

    async def statuses(self, rows: list[GatewayRow]) -> dict[str, str]:
        from bpjs_gateway.bootstrap import build_bpjs_client  # noqa: PLC0415 - VClaim mode only
        from bpjs_gateway.settings import GatewaySettings  # noqa: PLC0415

        niks = await self._niks(rows)
        overrides: dict[str, Any] = {}
        if self._base_url is not None:
            overrides["bpjs_base_url"] = self._base_url
        client = build_bpjs_client(GatewaySettings(**overrides))
        on = self._on or date.today()
        gate = asyncio.Semaphore(self._concurrency)

        async def ask(pid: str, nik: str) -> tuple[str, str | None]:
            async with gate:
                peserta = await client.peserta_by_nik(nik, on)
            if peserta is None or peserta.jenis_peserta.kode != _JENIS_PBI_APBD:
                return pid, None
            return pid, str(peserta.status_peserta.kode)

        try:
            answers = await asyncio.gather(*(ask(pid, nik) for pid, nik in niks.items()))
        finally:
            await client.aclose()
        return {pid: status for pid, status in answers if status is not None}
