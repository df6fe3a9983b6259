"""The quota row lock (``SqlRepository.lock_quota``) locks first and creates the year's row
only when it is missing: a year's first locks, racing, all end on one row created with the
initial total, and a lock taken while another transaction holds the row still waits."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from jkn_bus import ServiceRuntime, UnitOfWork
from jkn_bus.db import connect_pool
from verification.bootstrap import build_dependencies
from verification.domain import Quota
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

FIRST_YEAR = 2097  # years of their own: nothing else in this database touches them
HELD_YEAR = 2098
TOTAL = 3
RACERS = 8


async def test_racing_first_locks_of_a_year_create_one_row_and_never_overbook(
    runtime: ServiceRuntime,  # its migrations made the tables
    database: dict[str, str],
    topic_prefix: str,
    settings: VerificationSettings,
) -> None:
    deps = build_dependencies(settings)
    pool = await connect_pool(database["verification"], min_size=RACERS, max_size=RACERS)
    everyone_connected = asyncio.Barrier(RACERS)

    async def take_one() -> bool:
        async with pool.acquire() as conn:
            await everyone_connected.wait()
            async with conn.transaction():
                repo = deps.repository(UnitOfWork(conn, topic_prefix=topic_prefix))
                quota = await repo.lock_quota(FIRST_YEAR, initial_total=TOTAL)
                if not quota.has_free_slot:
                    return False
                await repo.save_quota(FIRST_YEAR, quota.take())
                return True

    try:
        await pool.execute("DELETE FROM quota WHERE budget_year = $1", FIRST_YEAR)
        taken = await asyncio.gather(*(take_one() for _ in range(RACERS)))
        rows = await pool.fetch("SELECT total, used FROM quota WHERE budget_year = $1", FIRST_YEAR)
    finally:
        await pool.close()

    assert taken.count(True) == TOTAL
    assert [(r["total"], r["used"]) for r in rows] == [(TOTAL, TOTAL)]


async def test_a_lock_on_an_existing_year_waits_for_the_holder(
    runtime: ServiceRuntime,
    database: dict[str, str],
    topic_prefix: str,
    settings: VerificationSettings,
) -> None:
    deps = build_dependencies(settings)
    async with runtime.unit_of_work() as uow:  # the year's row exists before
        await deps.repository(uow).lock_quota(HELD_YEAR, initial_total=TOTAL)
    holder = await asyncpg.connect(database["verification"])
    other = await asyncpg.connect(database["verification"])
    try:
        async with holder.transaction():
            held = await deps.repository(UnitOfWork(holder, topic_prefix=topic_prefix)).lock_quota(
                HELD_YEAR, initial_total=TOTAL + 5
            )
            async with other.transaction():
                await other.execute("SET LOCAL lock_timeout = '200ms'")
                repo = deps.repository(UnitOfWork(other, topic_prefix=topic_prefix))
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await repo.lock_quota(HELD_YEAR, initial_total=TOTAL + 5)
    finally:
        await holder.close()
        await other.close()

    assert held == Quota(total=TOTAL, used=0)  # the existing row, not a new initial total
