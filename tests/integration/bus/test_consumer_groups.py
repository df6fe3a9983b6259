"""Consumer groups carry the environment's prefix: two stacks on one broker share none; and a
process killed and restarted under its instance id takes its partitions back at once.

Specification: a service's consumer group id is its name under the topic prefix
(``BusSettings.consumer_group``; production, unprefixed, keeps the bare name). Two runtimes
of one service under two prefixes (a test run beside the demo, staging beside production)
each join a group of their own, with themselves as its only member, so stopping one never
rebalances the other; the broker's ACLs let each principal join its prefixed group.

A process with ``CONSUMER_INSTANCE_ID`` is a static member of its group: after a SIGKILL,
the process started in its place under the same id is given the partitions without the
broker first waiting out the dead member's session (``jkn_bus.settings``).
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest
from confluent_kafka.admin import AdminClient
from integration.bus.harness import APPLIED_TABLE, SERVICE, settings
from jkn_bus import ServiceRuntime
from jkn_devstack import ensure_topics
from jkn_devstack.credentials import admin_librdkafka_config
from jkn_devstack.topics import delete_topics
from support.polling import eventually

pytestmark = pytest.mark.infra

TOPIC = "jkn.dinsos.participants"


@pytest.fixture
async def other_prefix(bootstrap: str) -> AsyncIterator[str]:
    """A second environment on the same broker, with its own topics and ACLs."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, prefix)
    yield prefix
    await delete_topics(bootstrap, prefix)


async def _members(bootstrap: str, group: str) -> list[str]:
    """The client ids of ``group``'s members as the broker describes them (admin view)."""
    admin = AdminClient({**admin_librdkafka_config(bootstrap), "log_level": 4})
    futures: dict[str, Any] = admin.describe_consumer_groups([group], request_timeout=30)
    description = await asyncio.wrap_future(futures[group])
    return [member.client_id for member in description.members]


async def _assigned(bootstrap: str, group: str) -> list[tuple[str, str]]:
    """(instance id, member id) of each of ``group``'s members that holds partitions."""
    admin = AdminClient({**admin_librdkafka_config(bootstrap), "log_level": 4})
    futures: dict[str, Any] = admin.describe_consumer_groups([group], request_timeout=30)
    description = await asyncio.wrap_future(futures[group])
    return [
        (member.group_instance_id, member.member_id)
        for member in description.members
        if member.assignment.topic_partitions
    ]


def _runtime(service_url: str, bootstrap: str, prefix: str) -> ServiceRuntime:
    return ServiceRuntime(
        settings(service_url, bootstrap, prefix),
        migrations=[("9000_test_applied.sql", APPLIED_TABLE)],
        consumes=(TOPIC,),
        handlers={},
        publishes=False,
    )


async def test_two_prefixes_on_one_broker_join_two_groups_of_one_member_each(
    pool: asyncpg.Pool, service_url: str, bootstrap: str, topic_prefix: str, other_prefix: str
) -> None:
    assert settings(service_url, bootstrap, topic_prefix).consumer_group == topic_prefix + SERVICE
    assert settings(service_url, bootstrap, "").consumer_group == SERVICE  # production's

    first = _runtime(service_url, bootstrap, topic_prefix)
    second = _runtime(service_url, bootstrap, other_prefix)
    await first.start()
    try:
        await second.start()
        try:
            for prefix in (topic_prefix, other_prefix):

                async def one_member(group: str = prefix + SERVICE) -> list[str]:
                    members = await _members(bootstrap, group)
                    return members if len(members) == 1 else []

                assert await eventually(one_member, timeout=60) == [SERVICE]
        finally:
            await second.stop()

        async def left(group: str = other_prefix + SERVICE) -> bool:
            return not await _members(bootstrap, group)

        await eventually(left, timeout=60)
        # the first environment's group never saw the second's consumer come or go
        assert await _members(bootstrap, topic_prefix + SERVICE) == [SERVICE]
    finally:
        await first.stop()


SESSION_TIMEOUT_S = 45  # what a new dynamic member would wait for the dead one to expire


async def test_a_consumer_killed_and_restarted_under_its_instance_id_resumes_at_once(
    service_url: str,
    bootstrap: str,
    topic_prefix: str,
    spawn: Callable[..., subprocess.Popen[bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSUMER_INSTANCE_ID", "test-service-1")
    monkeypatch.setenv("CONSUMER_SESSION_TIMEOUT_MS", str(SESSION_TIMEOUT_S * 1000))
    group = topic_prefix + SERVICE

    first = spawn("consumer_process.py", service_url, bootstrap, topic_prefix)
    [(instance, killed_member)] = await eventually(
        lambda: _assigned(bootstrap, group), timeout=60, interval=0.2
    )
    assert instance == "test-service-1"
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = time.monotonic()

    spawn("consumer_process.py", service_url, bootstrap, topic_prefix)

    async def taken_back() -> list[tuple[str, str]]:
        members = await _assigned(bootstrap, group)
        return members if members and killed_member not in dict(members).values() else []

    [(instance, member)] = await eventually(
        taken_back, timeout=SESSION_TIMEOUT_S + 30, interval=0.2
    )
    waited = time.monotonic() - killed_at
    assert instance == "test-service-1"
    assert member != killed_member
    # a dynamic member would have waited for the dead one's session: at least 45 s less the
    # 3 s between heartbeats; the static one is given the partitions as soon as it asks
    assert waited < SESSION_TIMEOUT_S - 15, f"waited {waited:.1f} s"
