"""A service's own data key (``jkn_bus.at_rest.ServiceKeys``) against the real Postgres: the
key a rolled-back transaction created is never used again, so every value sealed after
opens in every process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from jkn_bus.at_rest import ServiceColumns, ServiceKeys
from jkn_bus.personal_data import DEV_KEKS, LocalKeks

pytestmark = pytest.mark.infra

KEYS_TABLE = """
CREATE TABLE IF NOT EXISTS data_keys (
    version int PRIMARY KEY, kek_id text NOT NULL, wrapped bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), rewrapped_at timestamptz
)
"""


@pytest.fixture
async def conn(database: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """Verification's role on its own schema, with no data key yet."""
    conn = await asyncpg.connect(database["verification"])
    await conn.execute(KEYS_TABLE)
    await conn.execute("TRUNCATE data_keys")
    yield conn
    await conn.close()


async def test_a_key_created_in_a_rolled_back_transaction_is_not_kept(
    conn: asyncpg.Connection, database: dict[str, str]
) -> None:
    keks = LocalKeks.parse(DEV_KEKS)
    this_process = ServiceColumns(ServiceKeys(keks), "civil_registry")
    failed = conn.transaction()
    await failed.start()
    await this_process.seal(conn, "row-1", {"name": "Siti Aminah"})
    await failed.rollback()  # the load failed: nothing it wrote stays
    other = await asyncpg.connect(database["verification"])
    try:
        other_process = ServiceColumns(ServiceKeys(keks), "civil_registry")
        kept = await other_process.seal(other, "row-2", {"name": "Budi"})  # creates version 1

        sealed = await this_process.seal(conn, "row-3", {"name": "Rina"})

        assert await other_process.open(other, "row-3", sealed) == {"name": "Rina"}
        assert await this_process.open(conn, "row-2", kept) == {"name": "Budi"}
        assert await conn.fetchval("SELECT count(*) FROM data_keys") == 1
    finally:
        await other.close()


async def test_once_its_committed_key_is_known_a_process_seals_without_reading_it(
    conn: asyncpg.Connection,
) -> None:
    keys = ServiceKeys(LocalKeks.parse(DEV_KEKS))
    columns = ServiceColumns(keys, "civil_registry")
    await columns.seal(conn, "row-1", {"name": "Siti Aminah"})  # creates version 1
    await conn.execute("TRUNCATE data_keys")  # were it read again, a new key would be made
    sealed = await columns.seal(conn, "row-2", {"name": "Budi"})
    assert await conn.fetchval("SELECT count(*) FROM data_keys") == 0
    assert await columns.open(conn, "row-2", sealed) == {"name": "Budi"}
