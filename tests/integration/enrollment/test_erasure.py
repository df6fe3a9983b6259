"""A resident's erasure (crypto-shredding) at Dinas Sosial, against the real Postgres and
Kafka with a Dinsos officer's token: allowed once every proposal is over and, for a resident
who was enrolled, the retention period since the last one ended has passed; the key is
tombstoned, no column of any row of enrollment's schema holds the resident's NIK, KK, name,
phone or address (kept sealed under that key before, never in clear) any more, a copy of
the sealed row taken before (a backup) no longer opens, the sealed events on the topic can
no longer be opened by any service, and ResidentDataErased names the officer and no
personal data."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from enrollment.adapters.personal import PROPOSAL_FIELDS, sealed
from enrollment.settings import proposal_columns
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_bus.keyring import sealer_for
from jkn_bus.personal_data import LocalKeks, PersonalDataErased
from jkn_contracts import ParticipantRegistered, ResidentDataErased, parse_event
from support.kafka import read_topic

pytestmark = pytest.mark.infra

READERS = ("enrollment", "verification", "bpjs-gateway", "notifications")


async def _propose(client: httpx.AsyncClient, n: int) -> tuple[str, dict[str, Any]]:
    sent = form(n, phone=f"0812555{n:05d}")
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    return answer.json()["participant_id"], sent


async def _end(url: str, pid: str, *, status: str, enrolled: bool, days_ago: int) -> None:
    """The proposal's journey as the other agencies' facts would have left it, ended
    ``days_ago`` days ago (activated first when ``enrolled``)."""
    conn = await asyncpg.connect(url)
    try:
        if enrolled:
            await conn.execute(
                "INSERT INTO proposal_history (proposal_id, status, event_type, event_id,"
                " occurred_at) SELECT proposal_id, 'activated', 'ParticipantActivated',"
                " gen_random_uuid(), now() FROM proposals WHERE participant_id = $1",
                pid,
            )
        await conn.execute(
            "UPDATE proposals SET status = $2, updated_at = now() - make_interval(days => $3),"
            " no_kartu = CASE WHEN $4 THEN '0001234567890' END WHERE participant_id = $1",
            pid,
            status,
            days_ago,
            enrolled,
        )
    finally:
        await conn.close()


async def _sealed_row(url: str, pid: str) -> dict[str, bytes | None]:
    """The resident's proposal's sealed personal columns, by field."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            f"SELECT {', '.join(sealed(f) for f in PROPOSAL_FIELDS)} FROM proposals"  # noqa: S608 - constants
            " WHERE participant_id = $1",
            pid,
        )
    finally:
        await conn.close()
    return {f: row[sealed(f)] for f in PROPOSAL_FIELDS}


async def _open_backup(
    url: str, pid: str, backup: dict[str, bytes | None]
) -> dict[str, str | None]:
    conn = await asyncpg.connect(url)
    try:
        return await proposal_columns().open(conn, pid, backup)
    finally:
        await conn.close()


async def _blanked_and_unreadable(url: str, pid: str, backup: dict[str, bytes | None]) -> None:
    """The proposal's sealed columns are blanked, and a copy taken before no longer opens:
    its key is destroyed."""
    assert set((await _sealed_row(url, pid)).values()) == {None}
    with pytest.raises(PersonalDataErased):
        await _open_backup(url, pid, backup)


async def _traces(url: str, values: list[str]) -> list[str]:
    """Tables of the connection's schema with a row whose text holds one of ``values``."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        found = []
        for t in tables:
            name = t["table_name"]
            for value in values:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{name}" t WHERE t::text LIKE $1',  # noqa: S608
                    f"%{value}%",
                )
                if hit:
                    found.append(name)
        return found
    finally:
        await conn.close()


async def test_an_ended_resident_is_erased_and_no_copy_of_their_data_can_be_read(
    client: httpx.AsyncClient, topic_prefix: str, database: dict[str, str]
) -> None:
    pid, sent = await _propose(client, 61)
    clear = [sent["nik"], sent["kk"], sent["name"], sent["phone"], sent["address"]]
    await _end(database["enrollment"], pid, status="deactivated", enrolled=True, days_ago=2000)
    # the proposal holds them sealed only; a copy of its row (a backup) is kept to read later
    assert await _traces(database["enrollment"], clear) == []
    backup = await _sealed_row(database["enrollment"], pid)
    opened = await _open_backup(database["enrollment"], pid, backup)
    assert (opened["nik"], opened["name"]) == (sent["nik"], sent["name"])

    answer = await client.post(f"/residents/{pid}/erasure")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ground"] == "retention_over"
    assert not body["already_erased"]
    for value in clear:
        assert value not in answer.text

    # the key is a tombstone; enrollment's rows hold no trace; pseudonym and status kept
    conn = await asyncpg.connect(database["enrollment"])
    try:
        key = await conn.fetchrow(
            "SELECT wrapped, kek_id, destroyed_at FROM keyring.deks WHERE participant_id = $1",
            pid,
        )
        row = await conn.fetchrow(
            "SELECT status, no_kartu, erased_at FROM proposals WHERE participant_id = $1", pid
        )
    finally:
        await conn.close()
    assert key["wrapped"] is None
    assert key["kek_id"] is None
    assert key["destroyed_at"] is not None
    assert row["status"] == "deactivated"
    assert row["no_kartu"] == "0001234567890"
    assert row["erased_at"] is not None
    assert await _traces(database["enrollment"], clear) == []
    await _blanked_and_unreadable(database["enrollment"], pid, backup)

    # the fact, then: the sealed proposal on the topic opens for no service any more
    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=2)
    mine = [parse_event(r.value) for r in records if r.key == pid.encode()]
    [registered] = [e for e in mine if isinstance(e, ParticipantRegistered)]
    [erased] = [e for e in mine if isinstance(e, ResidentDataErased)]
    assert str(erased.event_id) == body["event_id"]
    assert erased.actor.agency == "dinsos"
    assert erased.actor.kind == "person"
    assert erased.payload.key_version == 1
    raw = next(r for r in records if r.key == pid.encode() and b"ResidentDataErased" in r.value)
    for value in clear:
        assert value.encode() not in raw.value
    sealer = sealer_for(LocalKeks.from_config())
    for reader in READERS:
        reading = await asyncpg.connect(database[reader])
        try:
            with pytest.raises(PersonalDataErased):
                await sealer.open(reading, registered)
        finally:
            await reading.close()

    # asked again: the same erasure, nothing stated again
    again = await client.post(f"/residents/{pid}/erasure")
    assert again.status_code == 200, again.text
    assert again.json()["already_erased"]
    assert again.json()["event_id"] == body["event_id"]


async def test_a_resident_never_enrolled_is_erased_once_the_proposal_is_over(
    client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    pid, sent = await _propose(client, 62)
    await _end(database["enrollment"], pid, status="rejected", enrolled=False, days_ago=0)
    answer = await client.post(f"/residents/{pid}/erasure")
    assert answer.status_code == 200, answer.text
    assert answer.json()["ground"] == "never_enrolled"
    assert await _traces(database["enrollment"], [sent["nik"], sent["name"]]) == []


async def test_erasure_is_refused_while_a_proposal_is_open_or_the_retention_runs(
    client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    open_pid, _ = await _propose(client, 63)
    answer = await client.post(f"/residents/{open_pid}/erasure")
    assert answer.status_code == 409, answer.text
    assert answer.json()["errors"][0]["rule"] == "STILL_ACTIVE"

    recent_pid, _ = await _propose(client, 64)
    await _end(database["enrollment"], recent_pid, status="deactivated", enrolled=True, days_ago=30)
    answer = await client.post(f"/residents/{recent_pid}/erasure")
    assert answer.status_code == 409, answer.text
    assert answer.json()["errors"][0]["rule"] == "RETENTION_NOT_OVER"
    assert "erasable_from" in answer.json()

    # nothing erased: both keys live, both proposals whole
    conn = await asyncpg.connect(database["enrollment"])
    try:
        live = await conn.fetchval(
            "SELECT count(*) FROM keyring.deks WHERE participant_id = ANY($1::text[])"
            " AND wrapped IS NOT NULL",
            [open_pid, recent_pid],
        )
        kept = await conn.fetchval(
            "SELECT count(*) FROM proposals WHERE participant_id = ANY($1::text[])"
            " AND erased_at IS NULL AND nik_sealed IS NOT NULL",
            [open_pid, recent_pid],
        )
    finally:
        await conn.close()
    assert (live, kept) == (2, 2)


async def test_erasure_of_an_unknown_resident_is_404(client: httpx.AsyncClient) -> None:
    for pid in ("P" + "0" * 24, "not-a-pseudonym"):
        answer = await client.post(f"/residents/{pid}/erasure")
        assert answer.status_code == 404, answer.text
        assert answer.json()["errors"][0]["rule"] == "NOT_FOUND"
