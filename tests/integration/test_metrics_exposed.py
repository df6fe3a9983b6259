"""Each service process serves on /metrics the series operators and the Grafana dashboard
(deploy/grafana/jkn-daerah.json) rely on, consumer lag included — to the metrics scraper
(the ``prometheus`` client's token, as deploy/prometheus/prometheus.yml gets it), and to
no one without a token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from jkn_demo.scenario import generate_city
from jkn_demo.stack import Stack
from jkn_demo.stackenv import PSEUDONYM_KEY
from jkn_devstack.tokens import DevTokenAuth
from support.polling import eventually
from support.stack import running_stack

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

PORT_OFFSET = 12000  # beside `make run` and the end-to-end stacks
DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "jkn-daerah.json"
SHARED = (
    "jkn_outbox_published_total",
    "jkn_outbox_oldest_unpublished_seconds",
    "jkn_events_consumed_total",
    "jkn_dead_letters_total",
    "jkn_handler_seconds",
    "jkn_stage_seconds",
    "jkn_consumer_lag",
    "jkn_retention_purged_total",
    "jkn_retention_oldest_seconds",
)
OWN = {
    "enrollment": (),
    "verification": ("jkn_quota_slots", "jkn_waiting_list_size"),
    "bpjs-gateway": (
        "jkn_bpjs_calls_total",
        "jkn_bpjs_call_seconds",
        "jkn_bpjs_sync_runs_total",
        "jkn_bpjs_sync_changes_total",
    ),
    "notifications": ("jkn_feedback_received_total", "jkn_feedback_open", "jkn_feedback_overdue"),
    "audit": ("jkn_audit_entries_total", "jkn_audit_chain_ok"),
}


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    city = generate_city(tmp_path_factory.mktemp("city"), pseudonym_key=PSEUDONYM_KEY)
    async with running_stack(
        Path(tmp_path_factory.mktemp("run")),
        port_offset=PORT_OFFSET,
        tag="met",
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL="10",
        CONSUMER_LAG_INTERVAL_S="0.5",
    ) as stack:
        yield stack


SCRAPER = DevTokenAuth("prometheus")  # client credentials, role city-operator


async def scrape(stack: Stack, service: str) -> str:
    async with httpx.AsyncClient(timeout=10, auth=SCRAPER) as client:
        reply = await client.get(stack.url(service) + "/metrics")
    reply.raise_for_status()
    return reply.text


def declared(exposition: str) -> set[str]:
    """Names of the metric families of an exposition (``# TYPE name kind``)."""
    return set(re.findall(r"^# TYPE (\S+) ", exposition, re.MULTILINE))


@pytest.mark.parametrize("service", sorted(OWN))
async def test_the_service_exposes_the_shared_and_its_own_series(
    stack: Stack, service: str
) -> None:
    names = declared(await scrape(stack, service))

    assert set(SHARED) | set(OWN[service]) <= names


@pytest.mark.parametrize("service", sorted(OWN))
async def test_the_service_serves_no_metrics_without_a_token(stack: Stack, service: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        reply = await client.get(stack.url(service) + "/metrics")

    assert (reply.status_code, reply.json()["reason"]) == (401, "TOKEN_MISSING")


@pytest.mark.parametrize("service", sorted(OWN))
async def test_the_service_reports_its_consumer_lag_per_partition(
    stack: Stack, service: str
) -> None:
    async def lag_samples() -> list[str]:
        text = await scrape(stack, service)
        return re.findall(rf'^jkn_consumer_lag\{{.*service="{service}".*\}} \S+$', text, re.M)

    samples = await eventually(lag_samples, timeout=60)

    assert all('partition="' in s and 'topic="' in s for s in samples)


async def test_every_series_of_the_dashboard_is_exposed_by_some_service(stack: Stack) -> None:
    exposed: set[str] = set()
    for service in OWN:
        exposed |= declared(await scrape(stack, service))
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        re.sub(r"_bucket$", "", name)
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        for name in re.findall(r"\bjkn_[a-z_]+", target["expr"])
    }

    assert queried, "the dashboard queries jkn series"
    assert queried <= exposed, queried - exposed
