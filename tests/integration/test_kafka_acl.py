"""The bus enforces who says what: authentication and authorization on the real broker.

Specification:

- nobody talks to the broker without logging in: a client without SASL, or with a wrong
  password, gets no metadata at all (aiokafka and ``kcat -L``);
- each service logs in as its own principal and may WRITE only its agency's topic and its own
  dead-letter topic: for every service and every other topic, a send fails with
  TopicAuthorizationFailedError (so no service can state another agency's facts);
- each service may READ only the topics it consumes and its own dead-letter topic (operators
  replay from it), through its own consumer group (its name under the prefix: two prefixes
  on one broker, two groups);
- each service CAN write its own topics and read what it consumes;
- the ACLs of a test prefix are those of production, name for name (tests run the services
  under their own principals exactly as production does);
- each agency system (dinsos-siks, kelurahan-1571011001) logs in as itself and may WRITE only
  its inbound topic and READ only its reply topic, through a consumer group of its own name:
  it cannot write any fact topic nor another system's inbound topic, and cannot read any fact
  (not even the proposals it caused); only enrollment reads the inbound topics, and only
  enrollment writes the reply topics.

The forged-fact check of the consumers (a fact that reached a topic anyway, e.g. written by
an operator's super user) is in tests/integration/bus/test_forged_facts.py.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)
from integration.conftest import BOOTSTRAP
from jkn_bus.broker import make_producer
from jkn_bus.kafka_login import KafkaLogin
from jkn_bus.settings import BusSettings
from jkn_contracts.topics import (
    AGENCY_SYSTEMS,
    BUS_SERVICES,
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    dead_letter_topic,
    topics_written_by,
)
from jkn_devstack.acls import PRINCIPALS, Grant, wanted_grants
from jkn_devstack.credentials import aiokafka_auth, service_password
from jkn_devstack.topics import wanted_topics
from support.kafka import produce

pytestmark = pytest.mark.infra

INBOUND_TOPICS = [spec.name for spec in INBOUND]
REPLY_TOPICS = [spec.reply_topic for spec in INBOUND]
ALL_TOPICS = (
    [spec.name for spec in CATALOGUE]
    + [dead_letter_topic(s) for s in CONSUMERS]
    + INBOUND_TOPICS
    + REPLY_TOPICS
)


def _writes(principal: str) -> set[str]:
    if principal in AGENCY_SYSTEMS:
        return {spec.name for spec in INBOUND if spec.writer == principal}
    own = set(topics_written_by(principal))
    return own | ({dead_letter_topic(principal)} if principal in CONSUMERS else set())


def _reads(principal: str) -> set[str]:
    if principal in AGENCY_SYSTEMS:
        return {spec.reply_topic for spec in INBOUND if spec.writer == principal}
    own_dlq = {dead_letter_topic(principal)} if principal in CONSUMERS else set()
    return set(CONSUMERS.get(principal, ())) | own_dlq  # operators replay from the DLQ


FORBIDDEN_WRITES = [(s, t) for s in PRINCIPALS for t in ALL_TOPICS if t not in _writes(s)]
FORBIDDEN_READS = [(s, t) for s in PRINCIPALS for t in ALL_TOPICS if t not in _reads(s)]
ALLOWED_WRITES = [(s, t) for s in PRINCIPALS for t in sorted(_writes(s))]
ALLOWED_READS = [(s, t) for s in PRINCIPALS for t in sorted(_reads(s))]


def _kafka_login(principal: str) -> KafkaLogin:
    """A service's own process's login (BusSettings defaults), or an agency system's."""
    if principal in AGENCY_SYSTEMS:
        return KafkaLogin(principal, service_password(principal))
    return BusSettings(service=principal).kafka_login()


def _login(principal: str) -> dict[str, Any]:
    """The aiokafka arguments of a principal's own clients."""
    return _kafka_login(principal).aiokafka()


@pytest.fixture(scope="module")
async def producers() -> AsyncIterator[dict[str, AIOKafkaProducer]]:
    """One production-made producer (jkn_bus.broker) per principal, logged in as itself."""
    made: dict[str, AIOKafkaProducer] = {}
    for service in PRINCIPALS:
        producer = make_producer(
            BOOTSTRAP,
            client_id=f"acl-test-{service}",
            login=_kafka_login(service),
        )
        await producer.start()
        made[service] = producer
    yield made
    for producer in made.values():
        await producer.stop()


# ---- authentication ---------------------------------------------------------------------------


async def _metadata_with(**kwargs: Any) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=5000, **kwargs)
    await asyncio.wait_for(admin.start(), 30)
    try:
        return list(await admin.list_topics())
    finally:
        await admin.close()


async def test_a_client_without_sasl_is_refused() -> None:
    with pytest.raises(KafkaError):
        await _metadata_with()  # PLAINTEXT, anonymous
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await asyncio.wait_for(producer.start(), 30)
    await producer.stop()


@pytest.mark.parametrize("user", ["jkn-admin", "enrollment", "verification"])
async def test_a_wrong_password_is_refused(user: str) -> None:
    with pytest.raises(KafkaError):
        await _metadata_with(**aiokafka_auth(user, "not-the-password"))


async def test_an_unknown_user_is_refused() -> None:
    with pytest.raises(KafkaError):
        await _metadata_with(**aiokafka_auth("dinsos-impostor", "enrollment-dev"))


async def test_each_service_logs_in_and_sees_only_the_topics_it_may_use() -> None:
    for service in PRINCIPALS:
        visible = {t for t in await _metadata_with(**_login(service)) if t in ALL_TOPICS}
        assert visible == _writes(service) | _reads(service), service


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat not installed")
def test_kcat_without_credentials_gets_no_metadata() -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        ["kcat", "-L", "-b", BOOTSTRAP, "-m", "5"],  # noqa: S607 - kcat from PATH
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "topic" not in result.stdout
    assert "Failed to acquire metadata" in result.stderr


# ---- authorization: writes --------------------------------------------------------------------


@pytest.mark.parametrize(("service", "topic"), FORBIDDEN_WRITES)
async def test_a_service_cannot_write_a_topic_it_does_not_own(
    producers: dict[str, AIOKafkaProducer], topic_prefix: str, service: str, topic: str
) -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        await asyncio.wait_for(
            producers[service].send_and_wait(topic_prefix + topic, b"{}", key=b"forged"), 30
        )


@pytest.mark.parametrize(("service", "topic"), ALLOWED_WRITES)
async def test_a_service_writes_its_own_topic_and_dead_letter_topic(
    producers: dict[str, AIOKafkaProducer], topic_prefix: str, service: str, topic: str
) -> None:
    sent = await asyncio.wait_for(
        producers[service].send_and_wait(topic_prefix + topic, b"{}", key=b"own"), 30
    )
    assert sent.topic == topic_prefix + topic


async def test_no_service_can_create_topics(topic_prefix: str) -> None:
    for service in PRINCIPALS:
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, **_login(service))
        await admin.start()
        try:
            name = f"{topic_prefix}jkn.rogue.{uuid.uuid4().hex[:6]}"
            response = await admin.create_topics([NewTopic(name, 1, 1)])
            codes = {error[0]: error[1] for error in response.topic_errors}
            assert codes[name] == TopicAuthorizationFailedError.errno, service
        finally:
            await admin.close()


# ---- authorization: reads ---------------------------------------------------------------------


async def _start_and_fetch(consumer: AIOKafkaConsumer) -> None:
    # a topic the service may not even describe fails at start; one it writes (so may
    # describe, but not read) at the first fetch
    await consumer.start()
    await consumer.getmany(timeout_ms=5000)


@pytest.mark.parametrize(("service", "topic"), FORBIDDEN_READS)
async def test_a_service_cannot_read_a_topic_it_does_not_consume(
    topic_prefix: str, service: str, topic: str
) -> None:
    await produce(BOOTSTRAP, topic_prefix + topic, [(b"secret", b"{}")])
    consumer = AIOKafkaConsumer(
        topic_prefix + topic,
        bootstrap_servers=BOOTSTRAP,
        auto_offset_reset="earliest",
        **_login(service),
    )
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await asyncio.wait_for(_start_and_fetch(consumer), 30)
    finally:
        await consumer.stop()


@pytest.mark.parametrize(("service", "topic"), ALLOWED_READS)
async def test_a_service_reads_what_it_consumes_with_its_own_group(
    topic_prefix: str, service: str, topic: str
) -> None:
    key = f"read-{service}-{uuid.uuid4().hex[:6]}".encode()
    await produce(BOOTSTRAP, topic_prefix + topic, [(key, b"{}")])
    # manual assignment: reading must not join (and rebalance) the service's real group
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=topic_prefix + service,
        enable_auto_commit=False,
        **_login(service),
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic_prefix + topic, p) for p in range(wanted_topics("")[topic])]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        seen: list[bytes | None] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while key not in seen and loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                seen.extend(r.key for r in records)
        assert key in seen
        # the group's committed offsets are the service's to read (OffsetFetch on its group)
        await asyncio.wait_for(consumer.committed(parts[0]), 30)
    finally:
        await consumer.stop()


async def test_a_service_cannot_use_another_service_s_consumer_group(topic_prefix: str) -> None:
    topic = topic_prefix + "jkn.dinsos.participants"  # both verification and audit read it
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=topic_prefix + "audit",
        enable_auto_commit=False,
        **_login("verification"),
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        with pytest.raises(GroupAuthorizationFailedError):
            await asyncio.wait_for(consumer.committed(TopicPartition(topic, 0)), 30)
    finally:
        await consumer.stop()


# ---- the ACLs themselves ----------------------------------------------------------------------


def test_a_prefix_gets_the_production_acls_name_for_name() -> None:
    prefix = "t0000test."

    def unprefixed(grant: Grant) -> Grant:
        return Grant(
            grant.principal, grant.resource, grant.name.removeprefix(prefix), grant.operation
        )

    assert {unprefixed(g) for g in wanted_grants(prefix)} == wanted_grants("")
    for grant in wanted_grants(prefix):
        assert grant.name.startswith(prefix)  # topics and consumer groups alike
        assert grant.principal in {f"User:{s}" for s in PRINCIPALS}


def test_two_prefixes_give_each_service_two_consumer_groups() -> None:
    """A test run beside the demo, staging beside production: one broker, no shared group."""
    for service in CONSUMERS:
        groups = {
            BusSettings(service=service, jkn_topic_prefix=prefix).consumer_group
            for prefix in ("", "t1a2b.", "staging.")
        }
        assert groups == {service, f"t1a2b.{service}", f"staging.{service}"}
        for prefix in ("t1a2b.", "staging."):
            group = Grant(f"User:{service}", "GROUP", prefix + service, "READ")
            assert group in wanted_grants(prefix)
            assert group not in wanted_grants("")


# ---- agency systems, spelled out ----------------------------------------------------------------

SIKS, KELURAHAN_SYSTEM = "dinsos-siks", "kelurahan-1571011001"


def test_the_agency_systems_may_write_their_inbound_topic_and_read_their_replies_only() -> None:
    assert _writes(SIKS) == {"jkn.dinsos.submissions"}
    assert _reads(SIKS) == {"jkn.dinsos.submission-replies"}
    assert _writes(KELURAHAN_SYSTEM) == {"jkn.kelurahan.1571011001.submissions"}
    assert _reads(KELURAHAN_SYSTEM) == {"jkn.kelurahan.1571011001.submission-replies"}
    groups = {g.principal: g.name for g in wanted_grants("") if g.resource == "GROUP"}
    assert (groups["User:dinsos-siks"], groups[f"User:{KELURAHAN_SYSTEM}"]) == (
        SIKS,
        KELURAHAN_SYSTEM,
    )
    readers = {s for s in PRINCIPALS for t in INBOUND_TOPICS if t in _reads(s)}
    assert readers == {"enrollment"}
    writers = {s for s in PRINCIPALS for t in REPLY_TOPICS if t in _writes(s)}
    assert writers == {"enrollment"}


@pytest.mark.parametrize(
    ("system", "own", "forbidden"),
    [
        (
            SIKS,
            "jkn.dinsos.submissions",
            [
                "jkn.dinsos.participants",  # Dinas Sosial's facts are enrollment's to state
                "jkn.kelurahan.1571011001.submissions",
                "jkn.dinsos.submission-replies",
                "jkn.dlq.enrollment",
            ],
        ),
        (
            KELURAHAN_SYSTEM,
            "jkn.kelurahan.1571011001.submissions",
            ["jkn.dinsos.participants", "jkn.dinsos.submissions", "jkn.bpjs.participants"],
        ),
    ],
)
async def test_an_agency_system_writes_its_inbound_topic_and_nothing_else(
    producers: dict[str, AIOKafkaProducer],
    topic_prefix: str,
    system: str,
    own: str,
    forbidden: list[str],
) -> None:
    sent = await asyncio.wait_for(
        producers[system].send_and_wait(topic_prefix + own, b"{}", key=b"sub-1"), 30
    )
    assert sent.topic == topic_prefix + own
    for topic in forbidden:
        with pytest.raises(TopicAuthorizationFailedError):
            await asyncio.wait_for(
                producers[system].send_and_wait(topic_prefix + topic, b"{}", key=b"x"), 30
            )


@pytest.mark.parametrize("system", [SIKS, KELURAHAN_SYSTEM])
async def test_an_agency_system_cannot_read_the_participants(
    topic_prefix: str, system: str
) -> None:
    for topic in ("jkn.dinsos.participants", "jkn.bpjs.participants"):
        consumer = AIOKafkaConsumer(
            topic_prefix + topic,
            bootstrap_servers=BOOTSTRAP,
            auto_offset_reset="earliest",
            **_login(system),
        )
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                await asyncio.wait_for(_start_and_fetch(consumer), 30)
        finally:
            await consumer.stop()


@pytest.mark.parametrize("service", [s for s in BUS_SERVICES if s != "enrollment"])
async def test_no_service_but_enrollment_reads_the_inbound_topics(
    topic_prefix: str, service: str
) -> None:
    for topic in INBOUND_TOPICS:
        consumer = AIOKafkaConsumer(
            topic_prefix + topic,
            bootstrap_servers=BOOTSTRAP,
            auto_offset_reset="earliest",
            **_login(service),
        )
        try:
            with pytest.raises(TopicAuthorizationFailedError):
                await asyncio.wait_for(_start_and_fetch(consumer), 30)
        finally:
            await consumer.stop()


async def test_an_agency_system_cannot_use_enrollment_s_consumer_group(topic_prefix: str) -> None:
    topic = topic_prefix + "jkn.dinsos.submission-replies"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=topic_prefix + "enrollment",
        enable_auto_commit=False,
        **_login(SIKS),
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        with pytest.raises(GroupAuthorizationFailedError):
            await asyncio.wait_for(consumer.committed(TopicPartition(topic, 0)), 30)
    finally:
        await consumer.stop()
