"""A broker that dies mid-stream and comes back: the relay and a consumer live through the
outage, events committed meanwhile wait in the outbox, and nothing is lost, reordered or
applied twice.

The test runs its own single-node Kafka (scripts/kafka.sh with its own state directory and
ports), so killing it with SIGKILL disturbs no other test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from integration.bus.harness import participant, step_event
from integration.conftest import BOOTSTRAP
from jkn_bus import outbox
from jkn_demo.fault_infra import free_port
from jkn_demo.stackenv import STATE_DIR as SHARED_STATE
from jkn_devstack.topics import ensure_topics
from support.polling import eventually

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class OwnBroker:
    """A Kafka of this test's own: ``kill`` it with SIGKILL, ``start`` it again."""

    state: Path
    env: dict[str, str]
    bootstrap: str

    def _script(self, action: str) -> None:
        subprocess.run(  # noqa: S603 - our own script
            ["bash", str(ROOT / "scripts" / "kafka.sh"), action],  # noqa: S607 - bash from PATH
            env=self.env,
            check=True,
            capture_output=True,
            timeout=180,
        )

    def start(self) -> None:
        self._script("up")

    def kill(self) -> None:
        pid = int((self.state / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)  # started by kafka.sh in the background: not our child to wait for

    def stop(self) -> None:
        self._script("down")


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"broker pid {pid} still alive after SIGKILL")


@pytest.fixture(scope="module")
async def own_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[OwnBroker]:
    state = tmp_path_factory.mktemp("kafka-state")
    # the jars are resolved already for the shared broker: reuse its classpath, skip Maven
    (state / "kafka").mkdir()
    for name in ("classpath.txt", "classpath.key"):
        if (SHARED_STATE / "kafka" / name).exists():
            shutil.copy(SHARED_STATE / "kafka" / name, state / "kafka" / name)
    port = free_port()
    env = {
        **os.environ,
        "JKN_STATE_DIR": str(state),
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_HEAP": "512m",
    }
    broker = OwnBroker(state, env, f"127.0.0.1:{port}")
    assert broker.bootstrap != BOOTSTRAP
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


async def _applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM test_applied"))


async def test_a_broker_killed_and_restarted_mid_stream_loses_nothing_and_applies_nothing_twice(
    pool: asyncpg.Pool, service_url: str, own_broker: OwnBroker, spawn: Callable[..., object]
) -> None:
    prefix = "restart."
    await ensure_topics(own_broker.bootstrap, prefix)
    participants, steps = 10, 100
    total = participants * steps

    async def write(first: int, last: int) -> None:
        for step in range(first, last + 1):
            async with pool.acquire() as conn, conn.transaction():
                for n in range(participants):
                    event = step_event(participant(n), step)
                    await outbox.append(conn, event, topic_prefix=prefix)

    await write(1, steps // 2)
    spawn("relay_process.py", service_url, own_broker.bootstrap, "20")
    spawn("consumer_process.py", service_url, own_broker.bootstrap, prefix)

    async def some_applied() -> bool:
        return await _applied(pool) >= 100

    await eventually(some_applied, timeout=60, interval=0.02)
    own_broker.kill()
    # the agencies keep working while the broker is down: their events wait in the outbox
    await write(steps // 2 + 1, steps)
    waiting = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert waiting >= total // 2, "nothing can be confirmed by a dead broker"

    own_broker.start()

    async def all_applied() -> bool:
        return await _applied(pool) >= total

    await eventually(all_applied, timeout=180, interval=0.2)
    rows = await pool.fetch("SELECT participant, step FROM test_applied ORDER BY seq")
    assert len(rows) == total, "no event applied twice"
    for n in range(participants):
        got = [r["step"] for r in rows if r["participant"] == participant(n)]
        assert got == list(range(1, steps + 1)), f"participant {n}'s events lost or reordered"
    unpublished = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    assert unpublished == 0
