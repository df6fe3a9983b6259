"""What two replicas of a service share, read where it shows: the consumer group's members
and their partitions, the relay's single holder, and the lock waits between them.

- Partitions: each replica logs its assignment at every rebalance (FastStream's "Consumer
  <member> assigned to partitions: (...)"); the last such line of a replica's log is what it
  consumes now. The broker's own account (``describe_consumer_groups``, as ``jkn-admin``)
  gives the group's members and their assignments, which the logs cannot prove complete.
- Relay: the replica holding a service's relay lock logs "outbox relay active for
  <service>" (``jkn_bus.relay``); the others wait on the advisory lock and log nothing.
- Lock waits: ``pg_stat_activity`` sampled while the journey runs; a backend waiting on a
  lock (``wait_event_type = 'Lock'``) is counted by its role (one role per service) and the
  kind of lock (``advisory``: the audit chain; ``transactionid``/``tuple``: a row lock such
  as the quota's).

Only log lines the services wrote about themselves are read (member ids, topic names):
no personal data is in them (docs/pitfalls.md).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from jkn_devstack.credentials import admin_kafka_kwargs

from jkn_demo.stack import Stack

__all__ = [
    "LockSampler",
    "group_assignments",
    "logged_partitions",
    "relay_holders",
    "wait_for_split",
]

Partition = tuple[str, int]
_ASSIGNED = "assigned to partitions"
_TOPIC_PARTITION = re.compile(r"TopicPartition\(topic='([^']+)', partition=(\d+)\)")
_LOCK_WAITS = (
    "SELECT usename, wait_event FROM pg_stat_activity"
    " WHERE datname = $1 AND state = 'active' AND wait_event_type = 'Lock'"
)


def _messages(log: Path) -> list[str]:
    """The ``message`` of each JSON line of a replica's log (other lines skipped)."""
    if not log.exists():
        return []
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("message"), str):
            found.append(record["message"])
    return found


def logged_partitions(stack: Stack, name: str) -> frozenset[Partition] | None:
    """The partitions process ``name`` (``verification#2``) was last assigned, as it
    logged them; None if it logged no assignment yet."""
    assigned = [m for m in _messages(stack.run_dir / f"{name}.log") if _ASSIGNED in m]
    if not assigned:
        return None
    return frozenset((t, int(p)) for t, p in _TOPIC_PARTITION.findall(assigned[-1]))


def relay_holders(stack: Stack, service: str) -> list[str]:
    """The running replicas of ``service`` that logged taking its outbox relay."""
    line = f"outbox relay active for {service}"
    return [
        name
        for name in stack.replica_names(service)
        if name in stack.procs
        and stack.procs[name].poll() is None
        and any(line in m for m in _messages(stack.run_dir / f"{name}.log"))
    ]


async def group_assignments(bootstrap: str, group: str) -> list[frozenset[Partition]]:
    """The broker's view of ``group``: one partition set per member (empty if no member,
    or while the group rebalances)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="jkn-demo-scaleout", **admin_kafka_kwargs()
    )
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    members = []
    for response in responses:
        for described in response.to_object()["groups"]:
            if described["state"] != "Stable":
                return []
            for member in described["members"]:
                raw = member["member_assignment"]
                decoded = ConsumerProtocolMemberAssignment.decode(raw) if raw else None
                members.append(
                    frozenset(
                        (topic, p)
                        for topic, partitions in (decoded.assignment if decoded else [])
                        for p in partitions
                    )
                )
    return members


def _split(parts: Sequence[frozenset[Partition] | None]) -> bool:
    """Every replica holds some partitions, and no partition is held twice."""
    if any(not p for p in parts):
        return False
    seen: set[Partition] = set()
    for p in parts:
        assert p is not None
        if seen & p:
            return False
        seen |= p
    return True


async def wait_for_split(
    stack: Stack, bootstrap: str, services: tuple[str, ...], timeout_s: float = 120.0
) -> dict[str, dict[str, frozenset[Partition]]]:
    """Wait until each service's group on the broker has one member per replica with
    disjoint, non-empty partitions, and each replica's log shows the same split; return
    the partitions per replica, per service. TimeoutError if that never happens."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    prefix = stack.env.get("JKN_TOPIC_PREFIX", "")
    while True:
        split: dict[str, dict[str, frozenset[Partition]]] = {}
        for service in services:
            names = stack.replica_names(service)
            members = await group_assignments(bootstrap, prefix + service)
            logged = [logged_partitions(stack, n) for n in names]
            broker_ok = len(members) == len(names) and _split(members)
            if broker_ok and _split(logged) and set(members) == set(logged):
                split[service] = {n: p for n, p in zip(names, logged, strict=True) if p}
        if len(split) == len(services):
            return split
        if asyncio.get_running_loop().time() > deadline:
            late = sorted(set(services) - set(split))
            raise TimeoutError(f"partitions not split between the replicas of {late}")
        await asyncio.sleep(1.0)


class LockSampler:
    """Samples the backends of one database waiting on a lock, by role and lock kind."""

    def __init__(self, admin_url: str, database: str, interval_s: float = 0.5) -> None:
        self._admin_url, self._database, self._interval_s = admin_url, database, interval_s
        self.samples = 0
        self.waits: Counter[tuple[str, str]] = Counter()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="lock-sampler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        conn = await asyncpg.connect(self._admin_url)
        try:
            while True:
                rows = await conn.fetch(_LOCK_WAITS, self._database)
                self.samples += 1
                self.waits.update((str(r["usename"]), str(r["wait_event"])) for r in rows)
                await asyncio.sleep(self._interval_s)
        finally:
            await conn.close()
