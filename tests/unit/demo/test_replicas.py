"""A stack's replicas: their names and ports, which replica is started, and what their logs
say about their partitions and the relay (jkn_demo.stack, jkn_demo.replicas); no process
is started here."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from jkn_demo.replicas import logged_partitions, relay_holders
from jkn_demo.scaleout_table import problems
from jkn_demo.stack import REPLICA_PORT_STEP, Stack, split_name


def _log(path: Path, *messages: str) -> None:
    lines = [json.dumps({"level": "INFO", "message": m}) for m in messages]
    path.write_text("\n".join(["not json", *lines]) + "\n")


class _Running:
    """Stands for a live Popen: ``poll()`` None."""

    def poll(self) -> int | None:
        return None


def test_replicas_are_bus_services_only_each_on_its_own_port(tmp_path: Path) -> None:
    stack = Stack(tmp_path, {}, port_offset=28000, replicas=2)
    assert stack.replica_names("verification") == ["verification", "verification#2"]
    assert stack.replica_names("bpjs-sim") == ["bpjs-sim"]
    assert stack.replica_names("residents-web") == ["residents-web"]
    assert stack.port("verification") == 8002 + 28000
    assert stack.port("verification#2") == 8002 + 28000 + REPLICA_PORT_STEP
    assert stack.url("verification") == f"http://127.0.0.1:{8002 + 28000}"
    assert split_name("audit#2")[0].name == "audit"
    assert split_name("audit")[1] == 1
    ports = {
        stack.port(n) for c in ("enrollment", "audit", "bpjs-sim") for n in stack.replica_names(c)
    }
    assert len(ports) == 5


def test_one_replica_is_the_stack_as_it_was(tmp_path: Path) -> None:
    stack = Stack(tmp_path, {}, port_offset=20000)
    assert stack.replica_names("audit") == ["audit"]


def test_the_last_logged_assignment_is_the_replicas_partitions(tmp_path: Path) -> None:
    stack = Stack(tmp_path, {}, replicas=2)
    _log(
        tmp_path / "audit#2.log",
        "Consumer audit-1 assigned to partitions: (TopicPartition(topic='p.jkn.a', partition=0),"
        " TopicPartition(topic='p.jkn.a', partition=1))",
        "Consumer audit-1 assigned to partitions: (TopicPartition(topic='p.jkn.a', partition=1),)",
    )
    assert logged_partitions(stack, "audit#2") == frozenset({("p.jkn.a", 1)})
    assert logged_partitions(stack, "audit") is None  # no log yet


def test_the_relay_holder_is_a_running_replica_that_logged_taking_it(tmp_path: Path) -> None:
    stack = Stack(tmp_path, {}, replicas=2)
    _log(tmp_path / "verification.log", "outbox relay active for verification")
    _log(tmp_path / "verification#2.log", "outbox relay active for verification")
    _log(tmp_path / "audit.log", "outbox relay active for verification")  # another service
    running: subprocess.Popen[bytes] = _Running()  # type: ignore[assignment]
    stack.procs["verification#2"] = running
    stack.procs["audit"] = running
    # verification (the first) was killed: gone from the stack's processes
    assert relay_holders(stack, "verification") == ["verification#2"]
    assert relay_holders(stack, "audit") == []


def test_a_run_with_two_relays_or_none_for_a_service_is_a_problem() -> None:
    row = {
        "lost_total": 0,
        "dup_total": 0,
        "divergences": 0,
        "settled": True,
        "audit_chain_ok": True,
        "outbox_unpublished": {"audit": 0},
        "dead_letters": {"audit": 0},
        "relay_holders": {"audit": ["audit"], "verification": []},
    }
    assert problems(row) == ["0 relays for verification"]
    row["relay_holders"] = {"audit": ["audit"]}
    assert problems(row) == []


class _Started:
    """Stands for the Popen of a started process: records its environment."""

    started: list[tuple[str, dict[str, str]]] = []  # noqa: RUF012 - one test's record

    def __init__(self, argv: list[str], *, env: dict[str, str], **_: object) -> None:
        self.pid = 0
        _Started.started.append((argv[-1], env))

    def poll(self) -> int | None:
        return None


def test_each_bus_process_is_a_static_group_member_under_its_own_name_and_keeps_it_on_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(subprocess, "Popen", _Started)
    _Started.started.clear()
    stack = Stack(tmp_path, {}, replicas=2)
    stack.start(("verification", "bpjs-sim"))
    stack.procs.pop("verification")  # as after a SIGKILL
    stack.start(("verification",))
    ids = [(module, env.get("CONSUMER_INSTANCE_ID")) for module, env in _Started.started]
    assert ids == [
        ("bpjs_sim", None),  # not a consumer of the bus
        ("verification", "verification-1"),
        ("verification", "verification-2"),
        ("verification", "verification-1"),  # the restarted replica, under its old name
    ]
