"""The local infrastructure that `make up` starts: run after `make up`.

uv run pytest -m infra tests/integration/test_infra.py
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from jkn_contracts.topics import CATALOGUE, CONSUMERS, INBOUND, dead_letter_topic
from jkn_devstack import SERVICES, ensure_database, ensure_topics, wanted_topics
from jkn_devstack.acls import topic_acl_names
from jkn_devstack.credentials import admin_kafka_kwargs
from jkn_devstack.kcat import kcat_config_file, kcat_env
from jkn_devstack.topics import delete_topics, prune_prefixed_topics

pytestmark = pytest.mark.infra

ADMIN_URL = os.environ.get(
    "JKN_PG_ADMIN_URL", "postgresql://postgres:postgres@127.0.0.1:55432/postgres"
)
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
STATE_DIR = Path(os.environ.get("JKN_STATE_DIR", "/var/tmp/jkn-daerah"))  # noqa: S108


@pytest.fixture
async def admin() -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, **admin_kafka_kwargs())
    await client.start()
    yield client
    await client.close()


@pytest.fixture
async def scratch_db() -> AsyncIterator[str]:
    name = f"jkn_infra_{uuid.uuid4().hex[:10]}"
    yield name
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# ---- Kafka ----------------------------------------------------------------------------------


def test_broker_process_is_kafka_dot_kafka() -> None:
    port = BOOTSTRAP.rsplit(":", 1)[1]
    brokers = [
        p for p in psutil.process_iter(["cmdline"]) if "kafka.Kafka" in (p.info["cmdline"] or [])
    ]
    assert brokers, "no process with main class kafka.Kafka"
    listening = {
        p.pid
        for p in brokers
        for c in p.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN and str(c.laddr.port) == port
    }
    assert listening, f"no kafka.Kafka process listens on {port}"
    ps = subprocess.run(
        ["ps", "-eww", "-o", "args"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert " kafka.Kafka " in ps.stdout


async def test_broker_does_not_auto_create_topics(admin: AIOKafkaAdminClient) -> None:
    [config] = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.BROKER, "1", {"auto.create.topics.enable": None})]
    )
    values = {entry[0]: entry[1] for resource in config.resources for entry in resource[4]}
    assert values["auto.create.topics.enable"] == "false"

    unknown = f"jkn.never-created.{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(
        bootstrap_servers=BOOTSTRAP,
        request_timeout_ms=3000,
        enable_idempotence=True,
        acks="all",
        **admin_kafka_kwargs(),
    )
    await producer.start()
    try:
        with pytest.raises(KafkaError):
            await asyncio.wait_for(producer.send_and_wait(unknown, b"x"), timeout=15)
    finally:
        await producer.stop()
    assert unknown not in await admin.list_topics()


async def test_every_catalogue_and_dead_letter_topic_exists(admin: AIOKafkaAdminClient) -> None:
    expected = {spec.name: spec.partitions for spec in CATALOGUE}
    expected |= {dead_letter_topic(group): 3 for group in CONSUMERS}
    # the agency systems' inbound topics and the reply topics that answer them
    expected |= {spec.name: spec.partitions for spec in INBOUND}
    expected |= {spec.reply_topic: spec.partitions for spec in INBOUND}
    assert expected == wanted_topics("")
    described = {t["topic"]: t for t in await admin.describe_topics(list(expected))}
    for name, partitions in expected.items():
        assert described[name]["error_code"] == 0, name
        assert len(described[name]["partitions"]) == partitions, name


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat not installed")
def test_kcat_lists_the_topics_as_the_admin() -> None:
    state = STATE_DIR
    out = subprocess.run(  # noqa: S603 - fixed arguments
        ["kcat", "-F", str(kcat_config_file(state)), "-L", "-b", BOOTSTRAP, "-m", "10"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        env=kcat_env(state),
    ).stdout
    listed = dict(re.findall(r'topic "([^"]+)" with (\d+) partitions', out))
    for name, partitions in wanted_topics("").items():
        assert listed.get(name) == str(partitions), name


async def test_ensure_topics_twice_with_a_prefix_is_harmless(admin: AIOKafkaAdminClient) -> None:
    prefix = f"infra{uuid.uuid4().hex[:6]}."
    first, second = await asyncio.gather(
        ensure_topics(BOOTSTRAP, prefix), ensure_topics(BOOTSTRAP, prefix)
    )
    again = await ensure_topics(BOOTSTRAP, prefix)
    assert sorted(first) == sorted(second) == sorted(again) == sorted(wanted_topics(prefix))
    try:
        described = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(first)}
        assert described == wanted_topics(prefix)
        assert set(wanted_topics(prefix)) <= await topic_acl_names(BOOTSTRAP), "ACLs too"
    finally:
        await delete_topics(BOOTSTRAP, prefix)
    assert not {n for n in await topic_acl_names(BOOTSTRAP) if n.startswith(prefix)}


# ---- Postgres -------------------------------------------------------------------------------


async def test_each_role_uses_its_schema_and_cannot_read_another(scratch_db: str) -> None:
    urls = await ensure_database(ADMIN_URL, scratch_db)
    assert set(urls) == {"enrollment", "verification", "bpjs-gateway", "notifications", "audit"}
    for service in SERVICES:
        conn = await asyncpg.connect(urls[service.name])
        try:
            assert await conn.fetchval("SHOW search_path") == service.role
            assert not await conn.fetchval(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            await conn.execute("CREATE TABLE probe (id int PRIMARY KEY, note text)")
            await conn.execute("INSERT INTO probe VALUES (1, $1)", service.name)
            note = await conn.fetchval(f"SELECT note FROM {service.role}.probe")  # noqa: S608
            assert note == service.name
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CREATE TABLE public.leak (id int)")
        finally:
            await conn.close()
    for reader in SERVICES:
        conn = await asyncpg.connect(urls[reader.name])
        try:
            for owner in SERVICES:
                if owner is reader:
                    continue
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.fetch(f"SELECT * FROM {owner.role}.probe")  # noqa: S608
        finally:
            await conn.close()


async def test_ensure_database_twice_and_concurrently_is_harmless(scratch_db: str) -> None:
    results = await asyncio.gather(*(ensure_database(ADMIN_URL, scratch_db) for _ in range(3)))
    assert results[0] == results[1] == results[2]
    conn = await asyncpg.connect(results[0]["enrollment"])
    try:
        await conn.execute("CREATE TABLE kept (id int)")
        await conn.execute("INSERT INTO kept VALUES (7)")
    finally:
        await conn.close()
    assert await ensure_database(ADMIN_URL, scratch_db) == results[0]
    conn = await asyncpg.connect(results[0]["enrollment"])
    try:
        assert await conn.fetchval("SELECT id FROM kept") == 7
    finally:
        await conn.close()


async def test_database_jkn_is_set_up_and_not_public() -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        assert await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = 'jkn'")
        assert await admin.fetchval("SHOW fsync") == "on"
        assert not await admin.fetchval("SELECT has_database_privilege('public', 'jkn', 'CONNECT')")
    finally:
        await admin.close()


async def test_pruning_deletes_topics_left_under_test_prefixes_and_keeps_the_rest() -> None:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    stale, kept = f"stale{uuid.uuid4().hex[:6]}.", f"kept{uuid.uuid4().hex[:6]}."
    await ensure_topics(bootstrap, stale)
    await ensure_topics(bootstrap, kept)
    # Keep every other prefix too: other modules' and a running demo's topics are not ours.
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **admin_kafka_kwargs())
    await admin.start()
    try:
        others = {
            n.split("jkn.", 1)[0] for n in await admin.list_topics() if not n.startswith(stale)
        }
    finally:
        await admin.close()
    pruned = await prune_prefixed_topics(bootstrap, keep=(kept, *others))
    assert set(wanted_topics(stale)) <= set(pruned)
    assert not set(wanted_topics(kept)) & set(pruned)
    assert not set(wanted_topics("")) & set(pruned), "production topics are never pruned"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **admin_kafka_kwargs())
    await admin.start()
    try:
        remaining = set(await admin.list_topics())
    finally:
        await admin.close()
    assert set(wanted_topics(kept)) <= remaining
    acls = await topic_acl_names(bootstrap)
    assert not set(wanted_topics(stale)) & acls, "a pruned prefix's ACLs go with its topics"
    assert set(wanted_topics(kept)) <= acls
    await delete_topics(bootstrap, kept)
