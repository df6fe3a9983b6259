"""What the end-to-end modules stand on: the synthetic city, a span collector the services
export to, and the whole system started beside a running `make run` (its own ports,
database and topics, all removed at the end)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from jkn_demo.scenario import CityFiles, generate_city
from jkn_demo.stack import Stack
from jkn_demo.stackenv import BOOTSTRAP, PSEUDONYM_KEY, drop_database, fresh_stack_env
from jkn_devstack.topics import delete_topics
from support.spans import SpanCollector, span_collector


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    return generate_city(tmp_path_factory.mktemp("city"), pseudonym_key=PSEUDONYM_KEY)


@pytest.fixture(scope="module")
def spans() -> Iterator[SpanCollector]:
    with span_collector() as collector:
        yield collector


@asynccontextmanager
async def running_stack(
    city: CityFiles, spans: SpanCollector, run_dir: Path, *, port_offset: int, tag: str
) -> AsyncIterator[Stack]:
    """The simulator and every service on ``city``, healthy; stopped and cleaned up after."""
    database = f"jkn_e2e_{uuid.uuid4().hex[:8]}"
    env = await fresh_stack_env(
        database=database,
        topic_prefix=f"{tag}{uuid.uuid4().hex[:8]}.",
        run_dir=run_dir,
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL=str(city.manifest["quota"]),
        JKN_ZIPKIN_ENDPOINT=spans.endpoint,
    )
    stack = Stack(run_dir, env, port_offset=port_offset)
    stack.start()
    try:
        stack.wait_healthy()
        yield stack
    finally:
        stack.stop()
        await delete_topics(BOOTSTRAP, stack.env["JKN_TOPIC_PREFIX"])
        await drop_database(database)
