"""Consumer groups carry the environment's prefix: two stacks on one broker share none.

Specification: a service's consumer group id is its name under the topic prefix
(``BusSettings.consumer_group``; production, unprefixed, keeps the bare name). Two runtimes
of one service under two prefixes (a test run beside the demo, staging beside production)
each join a group of their own, with themselves as its only member, so stopping one never
rebalances the other; the broker's ACLs let each principal join its prefixed group.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
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
