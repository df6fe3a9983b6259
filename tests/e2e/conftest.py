"""What the end-to-end modules stand on: the synthetic city, a span collector the services
export to, the whole system started on that city (tests/support/stack.py), and the demo
callers whose tokens the calls carry (jkn_demo.callers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from jkn_demo.callers import Callers
from jkn_demo.scenario import CityFiles, generate_city
from jkn_demo.stack import Stack
from jkn_demo.stackenv import PSEUDONYM_KEY
from support.spans import SpanCollector, span_collector
from support.stack import running_stack


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    return generate_city(tmp_path_factory.mktemp("city"), pseudonym_key=PSEUDONYM_KEY)


@pytest.fixture(scope="module")
def callers() -> Callers:
    """Each agency's own people, with real tokens of the local Keycloak."""
    return Callers.demo()


@pytest.fixture(scope="module")
def spans() -> Iterator[SpanCollector]:
    with span_collector() as collector:
        yield collector


@asynccontextmanager
async def running_city(
    city: CityFiles,
    spans: SpanCollector,
    run_dir: Path,
    *,
    port_offset: int,
    tag: str,
    **env: str,
) -> AsyncIterator[Stack]:
    """The whole system on ``city``, exporting its spans to ``spans``; ``env``: more
    settings of the services."""
    async with running_stack(
        run_dir,
        port_offset=port_offset,
        tag=tag,
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL=str(city.manifest["quota"]),
        JKN_ZIPKIN_ENDPOINT=spans.endpoint,
        **env,
    ) as stack:
        yield stack
