"""Bad input never crashes a service: every operation of every service's OpenAPI document,
fuzzed with schemathesis against the running system, answers without a server error.

The whole system runs on its own ports, database and topics (tests/support/stack.py). For
each operation schemathesis generates requests from the document (valid ones and, as
often, ones that break the schema: wrong types, huge numbers, strings where none belong);
each is sent with a real token of a demo identity the route's policy grants (so the
handler is reached, not only the guard). Every answer must be below 500. The documents
of the agencies' services must describe every body their routes read (the agencies
integrate from them), which is checked first; the residents' pages take HTML forms.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jkn_contracts.access import Authentication, policy_for
from jkn_demo.scenario import CityFiles
from jkn_demo.stack import Stack
from jkn_devstack.identities import IDENTITIES
from jkn_devstack.tokens import fetch_token
from schemathesis import GenerationMode
from support.spans import SpanCollector
from support.stack import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

PORT_OFFSET = 16000  # beside `make run` and the other end-to-end stacks
SERVICES = ("enrollment", "verification", "bpjs-gateway", "notifications", "audit", "residents-web")
PAGES = {"residents-web"}  # HTML forms a resident's browser fills in: no system integrates
EXAMPLES = 15  # per operation, valid and schema-breaking together: about a minute in all
BODYLESS = {  # acts on the path alone: the route reads no body
    ("enrollment", "POST", "/reconciliation/runs/{run_id}/approve"),
    ("enrollment", "POST", "/reconciliation/runs/{run_id}/reject"),
    ("enrollment", "POST", "/reconciliation/runs/{run_id}/candidates/propose"),
    ("enrollment", "POST", "/reconciliation/refills/{batch_id}/approve"),
    ("enrollment", "POST", "/reconciliation/refills/{batch_id}/reject"),
    ("enrollment", "POST", "/residents/{participant_id}/erasure"),
    ("enrollment", "POST", "/imports/{import_id}/approve"),
    ("enrollment", "POST", "/imports/{import_id}/reject"),
    ("verification", "POST", "/quota/cuts/{cut_id}/approve"),
    ("verification", "POST", "/quota/cuts/{cut_id}/reject"),
    ("bpjs-gateway", "POST", "/sync"),
}


@pytest.fixture(scope="module")
async def stack(
    city: CityFiles, spans: SpanCollector, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    async with running_stack(
        Path(tmp_path_factory.mktemp("run")),
        port_offset=PORT_OFFSET,
        tag="fz",
        JKN_REFERENCE_DIR=str(city.directory),
        JKN_QUOTA_TOTAL=str(city.manifest["quota"]),
        JKN_ZIPKIN_ENDPOINT=spans.endpoint,
        JKN_WRITE_RATE_LIMIT="100000/minute",  # the fuzzer writes far faster than an officer
    ) as stack:
        yield stack


@pytest.fixture(scope="module")
async def tokens() -> dict[str, str]:
    """A real token of every demo identity with a role (the fuzzing lasts well within it)."""
    return {
        name: await fetch_token(name)
        for name, who in IDENTITIES.items()
        if who.roles and name != "jkn-expiry-probe"  # lives 2 s
    }


def caller_for(service: str, method: str, path: str, tokens: dict[str, str]) -> dict[str, str]:
    """The headers of a caller the route's policy lets through: its first granted identity."""
    policy = policy_for(service, method, path)
    assert policy is not None, (service, method, path)
    if policy.authentication is not Authentication.TOKEN:
        return {}  # public routes; webhooks answer 401 to an unsigned call, before anything
    granted = {role.value for role in policy.grants}
    name = next(n for n in tokens if granted & set(IDENTITIES[n].roles))
    return {"Authorization": f"Bearer {tokens[name]}"}


def fuzz_operation(
    operation: schemathesis.APIOperation,
    base: str,
    headers: dict[str, str],
    session: requests.Session,
) -> list[str]:
    """One operation fuzzed (valid and schema-breaking requests); those answered 5xx."""
    failures: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def send(case: schemathesis.Case) -> None:
        response = case.call(base_url=base, session=session, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.as_curl_command()}")

    send()
    return failures


def fuzz_service(base: str, service: str, tokens: dict[str, str]) -> list[str]:
    """Every operation of ``service`` fuzzed; the requests answered with a 5xx."""
    schema = schemathesis.openapi.from_url(base + "/openapi.json")
    failures: list[str] = []
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            headers = caller_for(service, operation.method.upper(), operation.path, tokens)
            failures += fuzz_operation(operation, base, headers, session)
    return failures


async def test_every_body_a_route_reads_is_described_in_its_openapi_document(
    stack: Stack,
) -> None:
    undescribed = []
    for service in set(SERVICES) - PAGES:
        doc = await asyncio.to_thread(
            lambda s=service: requests.get(stack.url(s) + "/openapi.json", timeout=30).json()
        )
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                key = (service, method.upper(), path)
                writes = method in {"post", "put", "patch"} and key not in BODYLESS
                if writes and "requestBody" not in operation:
                    undescribed.append(key)
    assert undescribed == []


async def test_no_request_to_any_operation_of_any_service_is_a_server_error(
    stack: Stack, tokens: dict[str, str]
) -> None:
    failures = {}
    for service in SERVICES:  # one after the other: hypothesis runs one test per thread
        failures[service] = await asyncio.to_thread(
            fuzz_service, stack.url(service), service, tokens
        )

    assert {s: f for s, f in failures.items() if f} == {}
