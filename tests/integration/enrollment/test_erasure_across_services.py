"""ResidentDataErased across the city, against the real Postgres and Kafka: enrollment,
verification, the BPJS gateway, notifications and the audit trail run in this process on
the module's database and topics. A resident proposed by siti.dinsos is read by Dinkes (who
rejects them: the synthetic registries do not know them), greeted by notifications; the
gateway holds them as a participant from an earlier registration. Once the Dinsos officer
erases them, no table of any service holds their NIK, KK, name or phone, and the audit
chain, which keeps the fact, still verifies."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from bpjs_gateway.adapters.bpjs_client import BpjsClient
from bpjs_gateway.bootstrap import build_runtime as gateway_runtime
from bpjs_gateway.settings import GatewaySettings
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_audit.adapters.audit_log import entries_in_order
from jkn_audit.app.verification import verify_chain
from jkn_audit.bootstrap import build_runtime as audit_runtime
from jkn_bus import BusSettings, ServiceRuntime
from notifications.bootstrap import build_runtime as notifications_runtime
from verification.bootstrap import build_runtime as verification_runtime
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

HOLDERS = ("enrollment", "verification", "bpjs-gateway", "notifications")
# holders keeping the resident only sealed at rest (jkn_bus.at_rest): no clear copy, ever
SEALED_AT_REST = frozenset({"enrollment", "verification", "notifications"})


def _bus(service: str, database: dict[str, str], topic_prefix: str) -> BusSettings:
    return BusSettings(
        service=service, database_url=database[service], kafka_bootstrap_servers=BOOTSTRAP,
        jkn_topic_prefix=topic_prefix, relay_poll_interval_s=0.2,
    )  # fmt: skip


@pytest.fixture(scope="module")
async def city(
    client: httpx.AsyncClient, database: dict[str, str], topic_prefix: str
) -> AsyncIterator[dict[str, ServiceRuntime]]:
    """The other services, consuming the module's topics (the gateway's BPJS is never
    called here: no verified resident, no sync pass within the test)."""
    del client  # enrollment runs first: its app's lifespan is the client's
    bpjs = BpjsClient("http://127.0.0.1:9", "0", "0", "0", timeout=1)
    runtimes = {
        "verification": verification_runtime(
            VerificationSettings(quota_total=10), _bus("verification", database, topic_prefix)
        ),
        "bpjs-gateway": gateway_runtime(
            GatewaySettings(sync_interval_s=86400),
            bpjs=bpjs,
            bus=_bus("bpjs-gateway", database, topic_prefix),
        ),
        "notifications": notifications_runtime(_bus("notifications", database, topic_prefix)),
        "audit": audit_runtime(_bus("audit", database, topic_prefix)),
    }
    for runtime in runtimes.values():
        await runtime.start()
    yield runtimes
    for runtime in runtimes.values():
        await runtime.stop()
    await bpjs.aclose()


async def _fetchval(url: str, query: str, *args: object) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def _until(url: str, query: str, *args: object, timeout: float = 60) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        for _ in iter(int, 1):  # until the query holds (or the timeout)
            if await _fetchval(url, query, *args):
                return
            await asyncio.sleep(0.3)


async def _traces(url: str, values: list[str]) -> list[str]:
    """Tables of the connection's schema with a row whose text holds one of ``values``."""
    conn = await asyncpg.connect(url)
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
                    found.append(t["table_name"])
        return found
    finally:
        await conn.close()


async def test_every_service_forgets_an_erased_resident_and_the_trail_still_verifies(
    client: httpx.AsyncClient, city: dict[str, ServiceRuntime], database: dict[str, str]
) -> None:
    sent = form(71, phone="081255500071")
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    pid = answer.json()["participant_id"]
    clear = [sent["nik"], sent["kk"], sent["name"], sent["phone"]]

    # Dinkes reads and rejects the proposal; notifications greets the resident by name
    await _until(
        database["enrollment"],
        "SELECT status = 'rejected' FROM proposals WHERE participant_id = $1",
        pid,
    )
    await _until(
        database["notifications"],
        "SELECT name_sealed IS NOT NULL FROM contacts WHERE participant_id = $1",
        pid,
    )
    # the gateway's row of an earlier registration of the same resident at BPJS
    gateway = await asyncpg.connect(database["bpjs-gateway"])
    try:
        await gateway.execute(
            "INSERT INTO participants (participant_id, nik, status, bpjs_code, bpjs_message)"
            " VALUES ($1, $2, 'refused', '201', $3)",
            pid,
            sent["nik"],
            f"Peserta {sent['name']} sudah terdaftar",
        )
    finally:
        await gateway.close()
    for service in HOLDERS:
        assert bool(await _traces(database[service], clear)) is (service not in SEALED_AT_REST), (
            service
        )
    assert await _fetchval(
        database["verification"],
        "SELECT resident_sealed IS NOT NULL FROM proposals WHERE participant_id = $1",
        pid,
    )

    erased = await client.post(f"/residents/{pid}/erasure")
    assert erased.status_code == 200, erased.text
    assert erased.json()["ground"] == "never_enrolled"
    event_id = uuid.UUID(erased.json()["event_id"])

    for service in ("verification", "bpjs-gateway", "notifications", "audit"):
        await _until(
            database[service], "SELECT EXISTS (SELECT 1 FROM inbox WHERE event_id = $1)", event_id
        )
    for service in (*HOLDERS, "audit"):
        assert await _traces(database[service], clear) == [], service
    assert await _fetchval(
        database["verification"],
        "SELECT resident_sealed IS NULL AND erased_at IS NOT NULL FROM proposals"
        " WHERE participant_id = $1",
        pid,
    )
    # statuses and decisions stay
    assert (
        await _fetchval(
            database["verification"],
            "SELECT status FROM proposals WHERE participant_id = $1",
            pid,
        )
        == "rejected"
    )
    assert (
        await _fetchval(
            database["bpjs-gateway"],
            "SELECT status || ':' || bpjs_code FROM participants WHERE participant_id = $1",
            pid,
        )
        == "refused:201"
    )
    report = await verify_chain(city["audit"].pool, entries_in_order)
    assert report.ok, report.as_dict()
    assert (
        await _fetchval(
            database["audit"], "SELECT event_type FROM audit_log WHERE event_id = $1", event_id
        )
        == "ResidentDataErased"
    )
