"""BPJS's side of the invariant check: the simulator's register read by the card the
gateway holds (jkn_demo.invariant_bpjs.SimulatorStore)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from jkn_demo.invariant_bpjs import GatewayRow, SimulatorStore


async def test_the_register_answers_the_status_of_each_card_the_gateway_holds(
    tmp_path: Path,
) -> None:
    db = tmp_path / "bpjs-sim.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE peserta (no_kartu TEXT PRIMARY KEY, status TEXT)")
        conn.executemany(
            "INSERT INTO peserta VALUES (?, ?)",
            [("0001000000001", "0"), ("0001000000002", "15"), ("0001000000009", "0")],
        )
    rows = [
        GatewayRow("P-active", "0001000000001"),
        GatewayRow("P-ending", "0001000000002"),
        GatewayRow("P-no-card", None),
        GatewayRow("P-unknown-card", "0001000000003"),
    ]
    found = await SimulatorStore(db).statuses(rows)
    assert found == {"P-active": "0", "P-ending": "15"}


async def test_no_register_yet_is_nobody_at_bpjs(tmp_path: Path) -> None:
    rows = [GatewayRow("P-active", "0001000000001")]
    assert await SimulatorStore(tmp_path / "missing.sqlite").statuses(rows) == {}
