from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from integration.bus.harness import APPLIED_TABLE, SERVICE
from jkn_bus.db import bus_migrations, connect_pool, migrate

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def service_url(database: dict[str, str]) -> str:
    return database[SERVICE]


@pytest.fixture
async def pool(service_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The test service's pool, its schema migrated and emptied for this test."""
    pool = await connect_pool(service_url)
    await migrate(
        pool, [*bus_migrations(), ("9000_test_applied.sql", APPLIED_TABLE)], scope="verification"
    )
    await pool.execute("TRUNCATE outbox, inbox, dead_letters, test_applied")
    yield pool
    await pool.close()


@pytest.fixture
async def conns(database: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Connection]]:
    """A connection as each service's role (and the audit's, which may not read keys)."""
    opened = {name: await asyncpg.connect(url) for name, url in database.items()}
    yield opened
    for conn in opened.values():
        await conn.close()


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start a helper script of this folder as a separate process (killed at teardown)."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(script: str, *args: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
        module = "integration.bus." + script.removesuffix(".py")
        proc = subprocess.Popen([sys.executable, "-m", module, *args], env=env)  # noqa: S603
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
