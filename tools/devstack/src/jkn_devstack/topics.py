"""Every topic, created explicitly: the broker runs with auto.create.topics.enable=false.

Creating a prefix's topics also creates the services' users (when missing) and the ACLs of
those topics (``jkn_devstack.acls``); deleting them deletes their ACLs. The admin client
logs in as ``jkn-admin`` (``jkn_devstack.credentials``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from jkn_contracts.topics import CATALOGUE, CONSUMERS, INBOUND, dead_letter_topic

from jkn_devstack.acls import delete_for_prefix, ensure_acls, ensure_users, topic_acl_names
from jkn_devstack.credentials import admin_kafka_kwargs

__all__ = [
    "DEAD_LETTER_PARTITIONS",
    "delete_topics",
    "ensure_topics",
    "prune_prefixed_topics",
    "wanted_topics",
]

DEAD_LETTER_PARTITIONS = 3
_TOPIC_ALREADY_EXISTS = 36


def wanted_topics(prefix: str = "") -> dict[str, int]:
    """Topic name -> partition count: the catalogue, the agency systems' inbound and reply
    topics, and one dead-letter topic per consumer."""
    topics = {prefix + spec.name: spec.partitions for spec in CATALOGUE}
    for inbound in INBOUND:
        topics[prefix + inbound.name] = inbound.partitions
        topics[prefix + inbound.reply_topic] = inbound.partitions
    topics.update({dead_letter_topic(group, prefix): DEAD_LETTER_PARTITIONS for group in CONSUMERS})
    return topics


async def _partition_counts(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, int]:
    counts = {}
    for topic in await admin.describe_topics(names):
        if topic["error_code"] == 0:
            counts[topic["topic"]] = len(topic["partitions"])
    return counts


async def ensure_topics(
    bootstrap: str,
    prefix: str = "",
    *,
    replication_factor: int | None = None,
    timeout_s: float = 30.0,
) -> list[str]:
    """Create every catalogue and dead-letter topic that is missing; grow partition counts
    that are too small. Existing topics are fine. Returns the topic names."""
    if replication_factor is None:
        replication_factor = int(os.environ.get("JKN_TOPIC_REPLICATION_FACTOR", "1"))
    wanted = wanted_topics(prefix)
    names = list(wanted)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="jkn-devstack",
        request_timeout_ms=int(timeout_s * 1000),
        **admin_kafka_kwargs(),
    )
    await admin.start()
    try:
        existing = await _partition_counts(admin, names)
        missing = [NewTopic(n, wanted[n], replication_factor) for n in names if n not in existing]
        if missing:
            response = await admin.create_topics(missing, timeout_ms=int(timeout_s * 1000))
            for error in response.topic_errors:
                name, code = error[0], error[1]
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    message = error[2] if len(error) > 2 else ""
                    raise RuntimeError(f"could not create topic {name}: error {code} {message}")
        grow = {n: NewPartitions(wanted[n]) for n, count in existing.items() if count < wanted[n]}
        if grow:
            await admin.create_partitions(grow, timeout_ms=int(timeout_s * 1000))
        # wait until the metadata shows every topic with all its partitions
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            counts = await _partition_counts(admin, names)
            if all(counts.get(n, 0) >= wanted[n] for n in names):
                break
            if asyncio.get_running_loop().time() > deadline:
                late = sorted(n for n in names if counts.get(n, 0) < wanted[n])
                raise TimeoutError(f"topics not visible after {timeout_s}s: {late}")
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    await ensure_users(bootstrap, timeout_s=timeout_s)
    await ensure_acls(bootstrap, prefix, timeout_s=timeout_s)
    return names


async def delete_topics(bootstrap: str, prefix: str, *, timeout_s: float = 30.0) -> list[str]:
    """Delete the catalogue and dead-letter topics under ``prefix`` (a test run's or a bench's).

    The unprefixed production topics are never deleted here.
    """
    if not prefix:
        raise ValueError("refusing to delete the unprefixed (production) topics")
    doomed = await _delete(
        bootstrap, lambda names: [n for n in names if n in wanted_topics(prefix)], timeout_s
    )
    await delete_for_prefix(bootstrap, [prefix], timeout_s=timeout_s)
    return doomed


async def prune_prefixed_topics(
    bootstrap: str, *, keep: tuple[str, ...] = (), timeout_s: float = 60.0
) -> list[str]:
    """Delete every prefixed copy of the catalogue's topics, except prefixes in ``keep``.

    Test modules, end-to-end runs and benchmarks each create topics under a prefix of their
    own; a run that was killed leaves them behind, and thousands of partitions exhaust a
    small broker's heap. `make test` prunes them first.
    """
    suffixes = tuple(wanted_topics(""))

    def stale(names: list[str]) -> list[str]:
        return [
            n
            for n in names
            if n not in suffixes
            and n.endswith(suffixes)
            and not any(n.startswith(k) for k in keep if k)
        ]

    doomed = await _delete(bootstrap, stale, timeout_s)
    # the ACLs of those prefixes, and of prefixes whose topics someone deleted without them
    named = [*doomed, *stale(sorted(await topic_acl_names(bootstrap, timeout_s=timeout_s)))]
    prefixes = {n[: -len(s)] for n in named for s in suffixes if n.endswith(s) and n != s}
    await delete_for_prefix(bootstrap, prefixes, timeout_s=timeout_s)
    return doomed


async def _delete(
    bootstrap: str, choose: Callable[[list[str]], list[str]], timeout_s: float
) -> list[str]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="jkn-devstack",
        request_timeout_ms=int(timeout_s * 1000),
        **admin_kafka_kwargs(),
    )
    await admin.start()
    try:
        doomed = choose(sorted(await admin.list_topics()))
        for start in range(0, len(doomed), 200):
            await admin.delete_topics(doomed[start : start + 200], timeout_ms=int(timeout_s * 1000))
    finally:
        await admin.close()
    return doomed
