"""Starts and stops the BPJS simulator and the services as local processes.

`make run` leaves them running (pid files under the state dir) and `make stop` ends them;
the end-to-end tests and the benchmark start their own stack on other ports, with their own
database and topic prefix, and kill it at the end.

Replicas (``Stack(..., replicas=2)``): each bus service runs as that many processes on the
same environment, database and consumer group, the second one named ``verification#2`` on
its own HTTP port (``REPLICA_PORT_STEP`` above the first's) with its own log and pid file.
Each replica keeps the first replica's port for every *other* component, so the services
call each other (enrollment asks audit) and the residents' pages ask the first replica.
The simulator and the residents' pages run once: they are no consumers of the bus.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from jkn_contracts.topics import BUS_SERVICES
from jkn_devstack.credentials import service_kafka_env

__all__ = ["COMPONENTS", "REPLICA_PORT_STEP", "Component", "Stack", "split_name"]

# replica k's port: the first replica's + (k - 1) * this (8001 -> 8101 -> 8201)
REPLICA_PORT_STEP = 100


@dataclass(frozen=True)
class Component:
    name: str
    module: str
    port_env: str
    default_port: int
    health_path: str = "/health"


COMPONENTS: tuple[Component, ...] = (
    Component("bpjs-sim", "bpjs_sim", "BPJS_SIM_PORT", 8089, "/_sim/health"),
    Component("enrollment", "enrollment", "ENROLLMENT_HTTP_PORT", 8001),
    Component("verification", "verification", "VERIFICATION_HTTP_PORT", 8002),
    Component("bpjs-gateway", "bpjs_gateway", "BPJS_GATEWAY_HTTP_PORT", 8003),
    Component("notifications", "notifications", "NOTIFICATIONS_HTTP_PORT", 8004),
    Component("audit", "jkn_audit", "AUDIT_HTTP_PORT", 8005),
    # the residents' pages: no data of their own, they ask enrollment and notifications
    Component("residents-web", "residents_web", "RESIDENTS_WEB_HTTP_PORT", 8006),
)


@dataclass
class Stack:
    """A set of component processes sharing one environment."""

    run_dir: Path
    env: Mapping[str, str]
    port_offset: int = 0
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    replicas: int = 1

    def port(self, name: str) -> int:
        """The HTTP port of ``name`` (a component: its first replica; or ``name#k``)."""
        comp, k = split_name(name)
        return comp.default_port + self.port_offset + (k - 1) * REPLICA_PORT_STEP

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    def replica_names(self, component: str) -> list[str]:
        """The process names of ``component``: itself, then ``component#2``, ... (bus
        services only; the others run once)."""
        if component not in BUS_SERVICES:
            return [component]
        return [component] + [f"{component}#{k}" for k in range(2, self.replicas + 1)]

    def component_env(self) -> dict[str, str]:
        env = {**os.environ, **self.env}
        for comp in COMPONENTS:
            env[comp.port_env] = str(comp.default_port + self.port_offset)
        env["BPJS_BASE_URL"] = self.url("bpjs-sim")
        return env

    def start(self, names: tuple[str, ...] | None = None) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        """Start every component (``names``: only those; a component's name starts each of
        its replicas not running, ``name#k`` that one replica)."""
        env = self.component_env()
        for comp in COMPONENTS:
            for name in self.replica_names(comp.name):
                wanted = names is None or comp.name in names or name in names
                running = name in self.procs and self.procs[name].poll() is None
                if wanted and not running:
                    self._start_one(comp, name, env)

    def _start_one(self, comp: Component, name: str, env: Mapping[str, str]) -> None:
        log = (self.run_dir / f"{name}.log").open("ab")
        # each service logs in to Kafka as its own principal (the simulator does not)
        own = service_kafka_env(comp.name) if comp.name in BUS_SERVICES else {}
        if comp.name in BUS_SERVICES:
            # its static member name in the group: a restart takes its partitions back at once
            own["CONSUMER_INSTANCE_ID"] = f"{comp.name}-{split_name(name)[1]}"
        proc = subprocess.Popen(  # noqa: S603 - our own modules, our own interpreter
            [sys.executable, "-m", comp.module],
            env={**env, **own, comp.port_env: str(self.port(name))},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        (self.run_dir / f"{name}.pid").write_text(str(proc.pid))

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for name, proc in self.procs.items():
            url = self.url(name) + split_name(name)[0].health_path
            while True:
                if proc.poll() is not None:
                    log = self.run_dir / f"{name}.log"
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{name} not healthy at {url}; see {self.run_dir / (name + '.log')}"
                    )
                time.sleep(0.3)

    def kill(self, name: str) -> None:
        """SIGKILL one process (tests of crash recovery): a component's first replica, or
        ``name#k``."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()
        (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        for name in list(self.procs):
            proc = self.procs.pop(name)
            _terminate(proc.pid)
            proc.wait()  # reap it: a zombie would still look alive to the pid-file sweep
            (self.run_dir / f"{name}.pid").unlink(missing_ok=True)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) used so far by each running component."""
        used: dict[str, float] = {}
        for name, proc in self.procs.items():
            try:
                times = psutil.Process(proc.pid).cpu_times()
            except psutil.Error:
                continue
            used[name] = times.user + times.system
        return used

    def peak_rss(self) -> dict[str, int]:
        """Current RSS in bytes per running component (call repeatedly to track peaks)."""
        rss: dict[str, int] = {}
        for name, proc in self.procs.items():
            try:
                rss[name] = psutil.Process(proc.pid).memory_info().rss
            except psutil.Error:
                continue
        return rss


def split_name(name: str) -> tuple[Component, int]:
    """``verification#2`` -> (verification's component, 2); a bare name is replica 1."""
    base, _, k = name.partition("#")
    return next(c for c in COMPONENTS if c.name == base), int(k or 1)


def _terminate(pid: int, grace: float = 10.0) -> None:
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except psutil.TimeoutExpired:
        proc.kill()


def stop_pid_files(run_dir: Path) -> list[str]:
    """Stop every component recorded in ``run_dir`` (a previous `make run`)."""
    stopped = []
    for pid_file in sorted(run_dir.glob("*.pid")):
        try:
            pid = int(pid_file.read_text())
        except ValueError:
            pid = 0
        try:
            cmdline = " ".join(psutil.Process(pid).cmdline()) if pid else ""
        except psutil.Error:  # gone, or a zombie of a parent that no longer waits
            cmdline = ""
        if " -m " in cmdline:  # only our own component processes
            _terminate(pid)
            stopped.append(pid_file.stem)
        pid_file.unlink(missing_ok=True)
    return stopped
