"""What the journey costs the servers the services share: Postgres and Kafka.

A service's own CPU time is only part of a resident's cost: every statement it sends is
executed by a Postgres backend, every record it produces or fetches is handled by the
broker. `make profile` and `make bench` count both around the journey:

- **CPU seconds** of the Postgres server (the postmaster, its live backends, and the
  backends that exited meanwhile, which the postmaster reaped: its children's times) and
  of the Kafka broker (the JVM started by ``scripts/kafka.sh``). The server is the
  development one every stack shares: run nothing else beside a profile.
- **Statements** (``pg_stat_statements``, preloaded by ``scripts/postgres.sh`` when the
  installation ships it): the statements of the journey's database that took most of
  Postgres's time, with calls and milliseconds per resident. Their texts are normalised
  by Postgres (values become ``$1``): no resident's data is printed.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import psutil

from jkn_demo.stackenv import ADMIN_URL

__all__ = ["Statement", "cpu_spent", "reset_statements", "server_cpu_seconds", "top_statements"]


def server_cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) used so far by the Postgres server and the Kafka broker of
    this machine (absent when not running)."""
    used: dict[str, float] = {}
    for proc in psutil.process_iter(["name", "cmdline", "ppid"]):
        try:
            name, cmdline = proc.info["name"] or "", " ".join(proc.info["cmdline"] or ())
            if name.startswith("postgres"):
                times = proc.cpu_times()
                own = times.user + times.system
                if _is_postmaster(proc):  # its reaped children (backends that exited)
                    own += times.children_user + times.children_system
                used["postgres"] = used.get("postgres", 0.0) + own
            elif "java" in name and "kafka.Kafka" in cmdline:
                times = proc.cpu_times()
                used["kafka"] = used.get("kafka", 0.0) + times.user + times.system
        except psutil.Error:
            continue
    return used


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds per name between two readings (a name first seen after: all of it)."""
    return {name: after[name] - before.get(name, 0.0) for name in after}


def _is_postmaster(proc: psutil.Process) -> bool:
    try:
        return not psutil.Process(proc.info["ppid"]).name().startswith("postgres")
    except psutil.Error:
        return False


@dataclass(frozen=True)
class Statement:
    """One normalised statement's calls and execution time since the last reset."""

    query: str
    calls: int
    total_ms: float


async def reset_statements() -> bool:
    """Start counting statements from now; False when pg_stat_statements is not loaded."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        loaded = await conn.fetchval(
            "SELECT 'pg_stat_statements' = ANY(string_to_array("
            "current_setting('shared_preload_libraries'), ', '))"
        )
        if not loaded:
            return False
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        await conn.execute("SELECT pg_stat_statements_reset()")
        return True
    finally:
        await conn.close()


async def top_statements(database: str, limit: int = 12) -> list[Statement]:
    """The statements of ``database`` that took most execution time since the reset."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        rows = await conn.fetch(
            "SELECT s.query, s.calls, s.total_exec_time FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1"
            " ORDER BY s.total_exec_time DESC LIMIT $2",
            database,
            limit,
        )
    finally:
        await conn.close()
    return [Statement(" ".join(r["query"].split()), r["calls"], r["total_exec_time"]) for r in rows]


async def statements_by_role(database: str) -> dict[str, int]:
    """Statements each role ran in ``database`` since the reset (every service logs in as
    its own role): where a resident's statements come from, the transactions' controls
    (BEGIN, COMMIT, SAVEPOINT) included."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        rows = await conn.fetch(
            "SELECT r.rolname, sum(s.calls)::bigint AS calls FROM pg_stat_statements s"
            " JOIN pg_database d ON d.oid = s.dbid JOIN pg_roles r ON r.oid = s.userid"
            " WHERE d.datname = $1 GROUP BY r.rolname ORDER BY calls DESC",
            database,
        )
    finally:
        await conn.close()
    return {r["rolname"]: r["calls"] for r in rows}
