"""The gateway's personal data at rest, against the real Postgres: the NIK and BPJS's
free-text messages are sealed (under the resident's key, or the gateway's own for a
resident the keyring does not know), rows written in clear before are sealed by the
start-up backfill, the service role reads no NIK, KK, name or birth date in any table of
its schema, and once Dinas Sosial destroys the resident's key the sealed copies no
longer open."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from bpjs_gateway.adapters.at_rest import backfill, gateway_columns
from bpjs_gateway.adapters.erasure import erase_participant
from bpjs_gateway.adapters.participants import get_participant
from integration.gateway.conftest import CITY, pid, verified
from integration.gateway.test_gateway_flow import one_of, send
from jkn_bus import ServiceRuntime
from jkn_bus.personal_data import LocalKeks
from support.kafka import Collector
from support.sealed import KEYRING, escrow

pytestmark = pytest.mark.infra

WAGE_EARNERS = iter(
    r for r in CITY if r.coverage is not None and r.coverage.segment == "13" and r.coverage.active
)


async def traces(url: str, values: list[str]) -> list[str]:
    """``table: value`` for each row of the role's schema whose text holds a value."""
    conn = await asyncpg.connect(url)  # the gateway's own role, as psql would be
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        found = []
        for t in tables:
            for value in values:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{t["table_name"]}" t WHERE t::text LIKE $1',  # noqa: S608
                    f"%{value}%",
                )
                if hit:
                    found.append(f"{t['table_name']}: {value}")
        return found
    finally:
        await conn.close()


async def test_a_refused_resident_s_nik_and_bpjs_s_message_are_kept_sealed_and_served_opened(
    runtime: ServiceRuntime,
    published: Collector,
    topic_prefix: str,
    http: httpx.AsyncClient,
    database: dict[str, str],
) -> None:
    resident = next(WAGE_EARNERS)
    event = verified(resident)
    await send(topic_prefix, event)

    refused = await one_of(published, event.participant_id, "RegistrationRefused")

    row = await runtime.pool.fetchrow(
        "SELECT nik, nik_sealed, bpjs_message, bpjs_message_sealed FROM participants"
        " WHERE participant_id = $1",
        event.participant_id,
    )
    assert (row["nik"], row["bpjs_message"]) == (None, None)
    assert row["nik_sealed"] is not None
    assert row["bpjs_message_sealed"] is not None
    view = (await http.get(f"/participants/{event.participant_id}")).json()
    assert (view["status"], view["bpjs_code"]) == ("refused", "201")
    assert view["bpjs_message"] == refused.payload.bpjs_message
    clear = [resident.nik, resident.kk, resident.name, resident.birth_date.isoformat()]
    assert await traces(database["bpjs-gateway"], clear) == []


async def test_rows_written_in_clear_are_sealed_by_the_backfill_and_unreadable_once_erased(
    runtime: ServiceRuntime, database: dict[str, str]
) -> None:
    known, unknown = pid("1571019901700001"), pid("1571019901700002")
    KEYRING.create_now(known)  # `unknown` was proposed before the keyring: no key of theirs
    await escrow()
    legacy: dict[str, Any] = {
        known: ("1571019901700001", "Peserta Ani Legasi sudah terdaftar"),
        unknown: ("1571019901700002", "Peserta Budi Legasi sudah terdaftar"),
    }
    for participant_id, (nik, message) in legacy.items():
        await runtime.pool.execute(
            "INSERT INTO participants (participant_id, nik, status, bpjs_code, bpjs_message)"
            " VALUES ($1, $2, 'refused', '201', $3)",
            participant_id,
            nik,
            message,
        )
        await runtime.pool.execute(
            "INSERT INTO bpjs_mutations (participant_id, mutation, outcome, tgl_berlaku,"
            " bpjs_code, bpjs_message) VALUES ($1, 'tambah', 'refused', current_date, '201', $2)",
            participant_id,
            message,
        )
    planted = [v for pair in legacy.values() for v in pair] + ["Ani Legasi", "Budi Legasi"]
    assert await traces(database["bpjs-gateway"], planted)
    columns = gateway_columns(LocalKeks.from_config())

    converted = await backfill(runtime.pool, columns).run_once()

    assert converted["participants"] >= 2
    assert converted["bpjs_mutations"] >= 2
    assert await traces(database["bpjs-gateway"], planted) == []
    assert await backfill(runtime.pool, columns).run_once() == {
        "participants": 0,
        "bpjs_mutations": 0,
        "bpjs_intents": 0,  # intents are recorded sealed only (migration 0007)
    }
    async with runtime.pool.acquire() as conn:
        for participant_id, (nik, message) in legacy.items():
            record = await get_participant(conn, columns, participant_id)
            assert record is not None
            assert (record.nik, record.bpjs_message) == (nik, message)

    await KEYRING.destroy(None, known)
    await escrow()  # Dinas Sosial erased the known resident: their key is destroyed
    async with runtime.pool.acquire() as conn:
        record = await get_participant(conn, columns, known)
        assert record is not None
        assert (record.nik, record.bpjs_message, record.status) == ("", None, "refused")
        async with conn.transaction():
            await erase_participant(conn, unknown)  # the erasure blanks the gateway's own
        record = await get_participant(conn, columns, unknown)
    assert record is not None
    assert (record.nik, record.bpjs_message, record.bpjs_code) == ("", None, "201")
