"""The audit trail on the real Kafka and Postgres: every agency's events about a resident
become one history in order; the hash chain verifies, and a tampered or deleted row is
named by GET /verify and by `python -m jkn_audit verify`."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from integration.audit.events import activation_told
from integration.conftest import ADMIN_URL, BOOTSTRAP
from jkn_audit.bootstrap import build_app, build_runtime
from jkn_bus import BusSettings, ServiceRuntime
from jkn_contracts import (
    EventBase,
    ParticipantActivated,
    ParticipantRegistered,
    ParticipantVerified,
    VerificationRejected,
    participant_id_for,
    topic_for,
)
from jkn_devstack.tokens import DevTokenAuth
from support.kafka import produce
from support.polling import eventually
from support.sealed import sealed_event

pytestmark = pytest.mark.infra

NIK = "1571014508800003"
RESIDENT = {
    "nik": NIK,
    "kk": "1571010101200001",
    "name": "SITI AMINAH",
    "sex": "P",
    "birth_date": date(1980, 8, 5),
    "kelurahan": "1571011001",
    "phone": "+6281234567890",
}
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def runtime(database: dict[str, str], topic_prefix: str) -> AsyncIterator[ServiceRuntime]:
    runtime = build_runtime(
        BusSettings(
            service="audit",
            database_url=database["audit"],
            kafka_bootstrap_servers=BOOTSTRAP,
            jkn_topic_prefix=topic_prefix,
        )
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


@pytest.fixture(scope="module")
async def http(runtime: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(build_app(runtime)),
        base_url="http://audit",
        auth=DevTokenAuth("hana.auditor"),
    ) as client:
        yield client


@pytest.fixture(scope="module")
def admin_db(database: dict[str, str]) -> str:
    """The superuser's URL of this module's database (to play the tamperer)."""
    test_db = urlsplit(database["audit"]).path
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=test_db))


def journey(pid: str) -> list[EventBase]:
    """One resident through four agencies, one minute apart."""
    correlation = uuid.uuid4()
    proposal = uuid.uuid4()
    registered = sealed_event(
        ParticipantRegistered,
        participant_id=pid,
        correlation_id=correlation,
        occurred_at=T0,
        personal=RESIDENT,
        payload={
            "proposal_id": proposal,
            "source": "kelurahan",
            "proposed_by": "petugas-kelurahan",
        },
    )
    verified = sealed_event(
        ParticipantVerified,
        participant_id=pid,
        correlation_id=correlation,
        causation_id=registered.event_id,
        occurred_at=T0 + timedelta(minutes=1),
        personal=RESIDENT,
        payload={"proposal_id": proposal, "budget_year": 2026},
    )
    activated = ParticipantActivated(
        participant_id=pid,
        correlation_id=correlation,
        causation_id=verified.event_id,
        occurred_at=T0 + timedelta(minutes=2),
        payload={
            "proposal_id": proposal,
            "no_kartu": "0002345678901",
            "kd_provider": "0157R002",
            "nm_provider": "Puskesmas Putri Ayu",
            "effective_date": date(2026, 4, 1),
        },
    )
    told = activation_told(
        pid,
        correlation_id=correlation,
        causation_id=activated.event_id,
        occurred_at=T0 + timedelta(minutes=3),
    )
    return [registered, verified, activated, told]


async def publish(bootstrap: str, prefix: str, *events: EventBase) -> None:
    for event in events:
        await produce(
            bootstrap,
            topic_for(event.event_type, prefix),  # type: ignore[attr-defined]
            [(event.participant_id.encode(), event.model_dump_json().encode())],
        )


async def history_of(http: httpx.AsyncClient, pid: str, expect: int) -> list[dict[str, Any]]:
    async def arrived() -> list[dict[str, Any]]:
        reply = await http.get(f"/participants/{pid}/history")
        events: list[dict[str, Any]] = reply.json().get("events", []) if reply.is_success else []
        return events if len(events) >= expect else []

    return await eventually(arrived, timeout=30)


def cli_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jkn_audit", "verify"],
        env={**os.environ, "AUDIT_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
async def recorded(runtime: ServiceRuntime, http: httpx.AsyncClient, topic_prefix: str) -> str:
    """A resident's journey published topic by topic, last agency first; its participant id."""
    pid = participant_id_for(NIK, "audit-test")
    events = journey(pid)
    other = VerificationRejected(
        participant_id=participant_id_for("1571010101900009", "audit-test"),
        correlation_id=uuid.uuid4(),
        payload={
            "proposal_id": uuid.uuid4(),
            "reasons": [{"code": "NOT_IN_DTKS", "message": "Tidak terdaftar di DTKS."}],
        },
    )
    await publish(BOOTSTRAP, topic_prefix, *reversed(events), other)
    await history_of(http, pid, expect=len(events))
    await history_of(http, other.participant_id, expect=1)
    return pid


async def test_a_history_lists_every_agency_s_facts_in_the_order_they_happened(
    http: httpx.AsyncClient, recorded: str
) -> None:
    events = await history_of(http, recorded, expect=4)

    assert [(e["who"], e["what"], e["decision"]) for e in events] == [
        ("dinsos", "ParticipantRegistered", "proposed"),
        ("dinkes", "ParticipantVerified", "verified"),
        ("bpjs-gateway", "ParticipantActivated", "activated"),
        ("notifications", "NotificationSent", "notification_sent"),
    ]
    assert [datetime.fromisoformat(e["when"]) for e in events] == [
        T0 + timedelta(minutes=i) for i in range(4)
    ]
    for cause, effect in itertools.pairwise(events):
        assert effect["causation_id"] == cause["event_id"]
    assert events[3]["why"] == ["participant_activated"]


async def test_reason_codes_of_a_rejection_are_kept(http: httpx.AsyncClient, recorded: str) -> None:
    del recorded
    pid = participant_id_for("1571010101900009", "audit-test")
    (rejection,) = await history_of(http, pid, expect=1)
    assert (rejection["who"], rejection["decision"], rejection["why"]) == (
        "dinkes",
        "rejected",
        ["NOT_IN_DTKS"],
    )


async def test_no_personal_data_is_kept_in_the_log(runtime: ServiceRuntime, recorded: str) -> None:
    rows = await runtime.pool.fetch("SELECT * FROM audit_log WHERE participant_id = $1", recorded)
    stored = " ".join(str(dict(r)) for r in rows)
    assert len(rows) == 4
    for personal in (NIK, "SITI AMINAH", "+6281234567890", "1571010101200001"):
        assert personal not in stored
    assert all(r["topic"] and r["offset"] >= 0 for r in rows)


async def test_the_chain_verifies_over_http_and_on_the_command_line(
    http: httpx.AsyncClient, database: dict[str, str], recorded: str
) -> None:
    del recorded
    report = (await http.get("/verify")).json()
    assert report["ok"] is True
    assert report["rows"] == 5
    assert len(report["head"]) == 64

    done = cli_verify(database["audit"])
    assert done.returncode == 0, done.stderr
    assert "audit chain ok: 5 rows" in done.stdout


async def test_the_service_role_can_neither_update_nor_delete_rows(
    runtime: ServiceRuntime, recorded: str
) -> None:
    del recorded
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await runtime.pool.execute("UPDATE audit_log SET decision = 'verified' WHERE seq = 1")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await runtime.pool.execute("DELETE FROM audit_log WHERE seq = 1")


async def test_a_row_changed_behind_the_trigger_s_back_is_named_by_verify(
    http: httpx.AsyncClient, database: dict[str, str], admin_db: str, recorded: str
) -> None:
    del recorded
    admin = await asyncpg.connect(admin_db)
    try:
        # seq 3 of the journey's chain: the only chain with three rows (the other resident's
        # has one, or it is the same chain)
        chain, original, event_id = await admin.fetchrow(
            "SELECT chain, decision, event_id FROM audit.audit_log WHERE seq = 3"
        )
        # seq 3 may be any of the journey's events (they arrive on four topics in no fixed
        # order), so the forged decision must differ from every real one.
        forged = f"{original}-forged"
        change = "UPDATE audit.audit_log SET decision = $1 WHERE chain = $2 AND seq = 3"
        await tamper(admin, change, forged, chain)

        report = (await http.get("/verify")).json()
        done = cli_verify(database["audit"])

        await tamper(admin, change, original, chain)
    finally:
        await admin.close()
    assert (report["ok"], report["broken_chain"], report["broken_seq"]) == (False, chain, 3)
    assert report["chains"][chain]["rows"] == 2  # the two rows before it verified
    assert report["broken_event_id"] == str(event_id)
    assert done.returncode == 1
    assert "BROKEN at seq 3" in done.stderr
    assert (await http.get("/verify")).json()["ok"] is True  # restored, it verifies again


async def test_a_deleted_row_is_named_by_verify(
    http: httpx.AsyncClient, database: dict[str, str], admin_db: str, recorded: str
) -> None:
    del recorded
    admin = await asyncpg.connect(admin_db)
    try:
        await tamper(admin, "DELETE FROM audit.audit_log WHERE seq = 2")
    finally:
        await admin.close()

    report = (await http.get("/verify")).json()
    done = cli_verify(database["audit"])

    assert (report["ok"], report["broken_seq"]) == (False, 3)
    assert "missing" in report["reason"]
    assert done.returncode == 1
    assert "BROKEN at seq 3" in done.stderr


async def tamper(admin: asyncpg.Connection, statement: str, *args: object) -> None:
    """What only a superuser can do: switch the append-only triggers off, change, on again."""
    async with admin.transaction():
        await admin.execute("ALTER TABLE audit.audit_log DISABLE TRIGGER USER")
        await admin.execute(statement, *args)
        await admin.execute("ALTER TABLE audit.audit_log ENABLE TRIGGER USER")
