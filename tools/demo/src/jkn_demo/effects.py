"""Where a fault run's effects landed, counted at each place they land (never inferred from
the events that announce them).

- BPJS: the simulator's own account of what it applied (``GET /_sim/effects`` in strict mode:
  tambah applied, refused, cards issued, per card), and its peserta register (an SQLite file,
  read-only) for the cards held by a resident's NIK. A second *tambah* for one resident is
  a duplicate whatever the gateway believed.
- Notifications: rows in the dev sink, by resident and template (the sink is where a
  message was "sent"; two rows for one resident and kind is a duplicate to a resident).
- Audit: the chain walked by ``GET /verify``; each resident expected active has their
  ParticipantActivated in the trail.
- Every schema's outbox (nothing left unpublished) and dead-letter table (nothing parked).

Only pseudonyms, status columns and counts are read: never a NIK or a name leaves here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
from jkn_devstack.tokens import DevTokenAuth

__all__ = ["SCHEMAS", "Effects", "city_cards", "count_effects", "quiet"]

SCHEMAS = ("enrollment", "verification", "bpjs_gateway", "notifications", "audit")
AUDITOR = DevTokenAuth("hana.auditor")
_PBI_APBD = "22"  # jenisPeserta PBI APBD, the city's residents (bpjs_bridging.codes)

_SINK = (
    "SELECT m.participant_id, m.template, count(*) AS n FROM notifications.sink s"
    " JOIN notifications.messages m USING (message_id) GROUP BY 1, 2"
)
_DINSOS = (
    "SELECT DISTINCT ON (participant_id) participant_id, status FROM enrollment.proposals"
    " ORDER BY participant_id, created_at DESC"
)
_ACTIVATED_AUDITED = (
    "SELECT DISTINCT participant_id FROM audit.audit_log WHERE event_type = 'ParticipantActivated'"
)


@dataclass
class Effects:
    """What landed where, and what of it is lost or duplicated against the expected ends."""

    residents: int = 0
    expected_active: int = 0
    simulator: dict[str, Any] = field(default_factory=dict)
    sink_messages: int = 0
    audit_rows: int = 0
    audit_chain_ok: bool = False
    outbox_unpublished: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    duplicated: dict[str, int] = field(default_factory=dict)

    @property
    def lost_total(self) -> int:
        return sum(self.lost.values())

    @property
    def duplicated_total(self) -> int:
        return sum(self.duplicated.values())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lost_total": self.lost_total, "dup_total": self.duplicated_total}


async def quiet(conn: asyncpg.Connection) -> dict[str, int]:
    """Rows still on their way: unpublished outbox rows per schema, pending messages."""
    waiting = {
        s: int(await conn.fetchval(f"SELECT count(*) FROM {s}.outbox WHERE published_at IS NULL"))  # noqa: S608 - our schema names
        for s in SCHEMAS
    }
    waiting["messages_pending"] = int(
        await conn.fetchval("SELECT count(*) FROM notifications.messages WHERE status = 'pending'")
    )
    return waiting


async def _simulator(client: httpx.AsyncClient, sim_url: str, sim_db: Path) -> dict[str, Any]:
    """BPJS's own counts: ``/_sim/effects`` when the simulator has it (strict mode), and
    the register's cards per NIK for the city's segment, read from the store itself."""
    counts: dict[str, Any] = {}
    answer = await client.get(f"{sim_url}/_sim/effects")
    if answer.status_code == 200:
        counts = answer.json()
    calls = await client.get(f"{sim_url}/_sim/calls")
    if calls.status_code == 200:
        counts["calls"] = calls.json()
    counts["cards_by_nik"] = await asyncio.to_thread(_cards_by_nik, sim_db)
    return counts


def _cards_by_nik(sim_db: Path) -> list[int]:
    """How many PBI APBD cards each NIK holds (the list of counts only, no NIK)."""
    uri = f"file:{quote(str(sim_db))}?mode=ro"
    db = sqlite3.connect(uri, uri=True)
    try:
        rows = db.execute(
            "SELECT count(*) FROM peserta WHERE jenis = ? GROUP BY nik", (_PBI_APBD,)
        ).fetchall()
    finally:
        db.close()
    return [int(n) for (n,) in rows]


async def count_effects(
    conn: asyncpg.Connection,
    client: httpx.AsyncClient,
    *,
    sim_url: str,
    sim_db: Path,
    audit_url: str,
    expected: dict[str, str],
    cards_before: int,
) -> Effects:
    """Count every effect; ``expected`` maps each registered resident (pseudonym) to the
    Dinsos status they must end in (``activated`` or ``rejected``); ``cards_before`` is the
    register's count of city cards after seeding (:func:`city_cards`)."""
    fx = Effects(residents=len(expected))
    active = {p for p, s in expected.items() if s == "activated"}
    fx.expected_active = len(active)
    fx.simulator = await _simulator(client, sim_url, sim_db)
    verify = (await client.get(f"{audit_url}/verify", auth=AUDITOR)).json()
    fx.audit_chain_ok = bool(verify.get("ok"))
    fx.audit_rows = int(await conn.fetchval("SELECT count(*) FROM audit.audit_log"))
    waiting = await quiet(conn)
    fx.outbox_unpublished = {s: waiting[s] for s in SCHEMAS}
    fx.dead_letters = {
        s: int(await conn.fetchval(f"SELECT count(*) FROM {s}.dead_letters"))  # noqa: S608 - our schema names
        for s in SCHEMAS
    }
    status = {r["participant_id"]: r["status"] for r in await conn.fetch(_DINSOS)}
    sink = [(r["participant_id"], r["template"], int(r["n"])) for r in await conn.fetch(_SINK)]
    fx.sink_messages = sum(n for _, _, n in sink)
    audited = {r["participant_id"] for r in await conn.fetch(_ACTIVATED_AUDITED)}
    notified = {p for p, t, _ in sink if t == "participant_activated"}
    fx.lost = {
        "not_in_expected_state": sum(1 for p, s in expected.items() if status.get(p) != s),
        "activation_not_notified": len(active - notified),
        "activation_not_audited": len(active - audited),
        "cards_missing": max(0, len(active) - _cards_issued(fx.simulator, cards_before)),
        "tambah_missing": _tambah_missing(fx.simulator, len(active)),
    }
    fx.duplicated = {
        "sink_same_kind_twice": sum(1 for _, _, n in sink if n > 1),
        "nik_with_two_cards": sum(1 for n in fx.simulator["cards_by_nik"] if n > 1),
        **_bpjs_duplicates(fx.simulator, len(active)),
    }
    return fx


def _cards_issued(sim: dict[str, Any], before: int) -> int:
    if "cards_issued" in sim:
        return int(sim["cards_issued"])
    return int(sum(sim["cards_by_nik"])) - before  # without /_sim/effects: the register's growth


async def city_cards(sim_db: Path) -> int:
    """The city segment's cards in the register now (before a run: the seeded ones)."""
    return sum(await asyncio.to_thread(_cards_by_nik, sim_db))


def _bpjs_duplicates(sim: dict[str, Any], active: int) -> dict[str, int]:
    """Second tambahs, as BPJS counted them (``/_sim/effects``): applied beyond one per
    activated resident, answered as repeats, refused (strict mode refuses a repeat), and
    the cards that took more than one."""
    if "tambah_applied" not in sim:
        return {}
    per_card = sim.get("per_card", {})
    return {
        "tambah_beyond_one": max(0, int(sim["tambah_applied"]) - active),
        "tambah_repeated": int(sim.get("tambah_repeated", 0)),
        "refused": int(sim.get("refused", 0)),
        "card_with_two_tambah": sum(
            1
            for c in per_card.values()
            if int(c.get("tambah_applied", 0)) + int(c.get("tambah_repeated", 0)) > 1
        ),
    }


def _tambah_missing(sim: dict[str, Any], active: int) -> int:
    """Activated residents whose card took no tambah at BPJS (0 without ``/_sim/effects``,
    where ``cards_missing`` counts the register's growth instead)."""
    if "per_card" not in sim:
        return 0
    applied = sum(1 for c in sim["per_card"].values() if int(c.get("tambah_applied", 0)) >= 1)
    return max(0, active - applied)
