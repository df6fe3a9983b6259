"""A pooled connection goes back to the pool without a reset statement, unless it held
session state (``jkn_bus.db.connect_pool``): what a connection leaves behind is still
never seen by the next one that borrows it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from jkn_bus.db import connect_pool, keeps_session_state

LOCK_KEY = 0x6A6B6E_706F6F6C  # any key no service uses


@pytest.fixture
async def single(database: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """A pool of one connection: every checkout borrows the same one."""
    pool = await connect_pool(database["verification"], min_size=1, max_size=1)
    yield pool
    await pool.close()


async def _statements_on_release(pool: asyncpg.Pool, use: Any) -> list[str]:
    """The statements the connection ran while ``use`` borrowed it and it was given back."""
    seen: list[str] = []

    def log(record: Any) -> None:
        seen.append(record.query)

    async with pool.acquire() as conn:
        raw = conn._con  # the connection itself, whose queries we log
        raw.add_query_logger(log)
        await use(conn)
    raw.remove_query_logger(log)
    return seen


async def test_a_transaction_gives_its_connection_back_with_no_extra_statement(
    single: asyncpg.Pool,
) -> None:
    async def work(conn: Any) -> None:
        async with conn.transaction():
            await conn.fetchval("SELECT 1")

    statements = await _statements_on_release(single, work)
    assert "SELECT 1" in statements  # the logger sees what the connection runs
    assert not any("pg_advisory_unlock_all" in s or "RESET ALL" in s for s in statements)


async def test_an_advisory_lock_left_by_a_cancelled_holder_is_released_with_its_connection(
    single: asyncpg.Pool, database: dict[str, str]
) -> None:
    async with single.acquire() as conn:
        keeps_session_state(conn)
        assert await conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        # the holder is cancelled before its unlock: the connection goes back holding it
    other = await asyncpg.connect(database["verification"])
    try:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY)
        await other.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    finally:
        await other.close()


async def test_a_listener_left_behind_does_not_follow_the_connection(
    single: asyncpg.Pool,
) -> None:
    async with single.acquire() as conn:
        await conn.add_listener("jkn_pool_reset_test", lambda *_: None)
        assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 1
    async with single.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM pg_listening_channels()") == 0


async def test_an_open_transaction_is_rolled_back_when_its_connection_is_given_back(
    single: asyncpg.Pool,
) -> None:
    async with single.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMP TABLE jkn_left_open (x int)")
    async with single.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SELECT to_regclass('pg_temp.jkn_left_open')") is None
