"""A Kafka broker and a Postgres cluster of a fault run's own, to kill and restart.

The shared broker and database serve every stack and test on the machine: killing them
would fail whatever else runs. The ``broker-restart`` and ``postgres-restart`` scenarios
start their own with the same scripts as ``make up`` (scripts/kafka.sh, scripts/postgres.sh)
under their own state directory and ports, kill those, and remove them at the end, so the
shared ones are never touched (the way tests/integration/bus/test_broker_restart.py does it).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from jkn_devstack import ensure_database, ensure_topics
from jkn_devstack.identities import AUDIENCE
from jkn_devstack.topics import delete_topics

from jkn_demo.stackenv import (
    ADMIN_URL,
    BOOTSTRAP,
    ISSUER,
    PSEUDONYM_KEY,
    STATE_DIR,
    drop_database,
    fresh_stack_env,
)

__all__ = ["OwnKafka", "OwnPostgres", "clean_run", "free_port", "stack_env"]

ROOT = Path(__file__).resolve().parents[4]


# A broker or cluster killed and started again must bind the same port again. A port the
# kernel hands out (bind to 0) is in its ephemeral range (32768-60999 on Linux), from which
# it also gives client sockets their local ports: while the server is down, a client trying
# to reconnect may be given that very port, and the restart cannot listen (a broker-restart
# run saw its broker never come back). These ports are below that range and outside every
# stack's (a stack listens on its offset + 8001..8189).
_RESTARTABLE_PORTS = range(29500, 30000)


def free_port() -> int:
    """A port free now, below the ephemeral range, for a server that will be restarted."""
    for port in secrets.SystemRandom().sample(_RESTARTABLE_PORTS, len(_RESTARTABLE_PORTS)):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 29500-29999")


def _script(name: str, action: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603 - our own script
        ["bash", str(ROOT / "scripts" / name), action],  # noqa: S607 - bash from PATH
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )


def _wait_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise RuntimeError(f"pid {pid} still alive after SIGKILL")


@dataclass
class OwnKafka:
    """A single-node broker under ``state``: ``kill`` (SIGKILL), ``start`` again, ``remove``."""

    state: Path
    port: int
    controller_port: int

    @classmethod
    def create(cls, state: Path) -> OwnKafka:
        (state / "kafka").mkdir(parents=True, exist_ok=True)
        # the jars are resolved already for the shared broker: reuse its classpath
        for name in ("classpath.txt", "classpath.key"):
            if (STATE_DIR / "kafka" / name).exists():
                shutil.copy(STATE_DIR / "kafka" / name, state / "kafka" / name)
        return cls(state, free_port(), free_port())

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "JKN_STATE_DIR": str(self.state),
            "KAFKA_PORT": str(self.port),
            "KAFKA_CONTROLLER_PORT": str(self.controller_port),
            "KAFKA_HEAP": "512m",
            # a broker killed mid-write recovers its logs first; on a busy 2-core machine
            # that takes longer than the 90 s kafka.sh waits by default
            "KAFKA_START_TIMEOUT": "300",
        }

    def start(self) -> None:
        _script("kafka.sh", "up", self._env())

    def kill(self) -> None:
        pid = int((self.state / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)  # started by kafka.sh in the background: not our child to wait for

    def remove(self) -> None:
        _script("kafka.sh", "down", self._env())
        shutil.rmtree(self.state / "kafka", ignore_errors=True)


@dataclass
class OwnPostgres:
    """A cluster under ``state``: ``crash`` (immediate stop, recovery on start), ``start``."""

    state: Path
    port: int

    @classmethod
    def create(cls, state: Path) -> OwnPostgres:
        state.mkdir(parents=True, exist_ok=True)
        return cls(state, free_port())

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres:postgres@127.0.0.1:{self.port}/postgres"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "JKN_STATE_DIR": str(self.state), "JKN_PG_PORT": str(self.port)}

    def start(self) -> None:
        _script("postgres.sh", "up", self._env())

    def crash(self) -> None:
        """SIGKILL the postmaster's whole group of backends: as a host losing power does
        to the server (the next start replays the WAL)."""
        pid = int((self.state / "pg" / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        _wait_gone(pid)
        # the backends notice their postmaster's death and exit; a new postmaster refuses
        # to start while they still hold the shared memory
        deadline = time.monotonic() + 30
        while _backends_of(self.state) and time.monotonic() < deadline:
            time.sleep(0.2)

    def remove(self) -> None:
        _script("postgres.sh", "down", self._env())
        shutil.rmtree(self.state / "pg", ignore_errors=True)


def _backends_of(state: Path) -> list[int]:
    """Pids of processes still running from ``state``'s cluster (their cmdline or cwd)."""
    data = str(state / "pg" / "data")
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "cwd") == data:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def stack_env(
    run_dir: Path, database: str, prefix: str, admin_url: str, bootstrap: str
) -> dict[str, str]:
    """``fresh_stack_env`` on the shared broker and database; on a run's own, the same
    environment built against them."""
    if admin_url == ADMIN_URL and bootstrap == BOOTSTRAP:
        return await fresh_stack_env(database=database, topic_prefix=prefix, run_dir=run_dir)
    urls = await ensure_database(admin_url, database)  # a new name: nothing to drop
    await ensure_topics(bootstrap, prefix)
    sim_db = run_dir / "bpjs-sim.sqlite"
    sim_db.unlink(missing_ok=True)
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "JKN_TOPIC_PREFIX": prefix,
        "JKN_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "JKN_OIDC_ISSUER": ISSUER,
        "JKN_OIDC_AUDIENCE": AUDIENCE,
        "BPJS_SIM_DB": str(sim_db),
        **{f"{s.replace('-', '_').upper()}_DATABASE_URL": url for s, url in urls.items()},
    }


async def clean_run(
    database: str, prefix: str, kafka: OwnKafka | None, postgres: OwnPostgres | None
) -> None:
    """Whatever happened: this run's topics and database gone from the shared broker and
    cluster, its own broker and cluster stopped and removed."""
    try:
        if kafka is None:
            await delete_topics(BOOTSTRAP, prefix)
        if postgres is None:
            await drop_database(database)
    finally:
        for own in (kafka, postgres):
            if own is not None:
                await asyncio.to_thread(own.remove)
