"""Fixtures for tests against the real Kafka and Postgres that `make up` starts.

Each test module gets its own database (roles and schemas as in production) and its own
topic prefix, so runs are isolated from each other and from `make run`'s data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from jkn_devstack import ensure_database, ensure_topics
from jkn_devstack.topics import delete_topics

ADMIN_URL = os.environ.get(
    "JKN_PG_ADMIN_URL", "postgresql://postgres:postgres@127.0.0.1:55432/postgres"
)
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[dict[str, str]]:
    """A fresh database with the four service roles and schemas: {service: url}."""
    name = f"jkn_test_{uuid.uuid4().hex[:10]}"
    urls = await ensure_database(ADMIN_URL, name)
    yield urls
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def topic_prefix() -> AsyncIterator[str]:
    """A topic prefix of this module's own, with every catalogue topic created under it."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    await ensure_topics(BOOTSTRAP, prefix)
    yield prefix
    await delete_topics(BOOTSTRAP, prefix)


@pytest.fixture
def bootstrap() -> str:
    return BOOTSTRAP
