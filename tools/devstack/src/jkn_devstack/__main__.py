"""``python -m jkn_devstack up|down|status|topics|db NAME|env|render-init-sql``.

Process control lives in scripts/kafka.sh and scripts/postgres.sh (also used by make);
this CLI calls them, then creates the database, roles, schemas and topics.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
from aiokafka.errors import KafkaConnectionError

from jkn_devstack.database import ensure_database, service_env
from jkn_devstack.sql import render_init_sql
from jkn_devstack.topics import ensure_topics, prune_prefixed_topics


def _settings() -> dict[str, str]:
    host = os.environ.get("JKN_PG_HOST", "127.0.0.1")
    port = os.environ.get("JKN_PG_PORT", "55432")
    password = os.environ.get("JKN_PG_ADMIN_PASSWORD", "postgres")
    kafka_port = os.environ.get("KAFKA_PORT", "9092")
    return {
        "state_dir": os.environ.get("JKN_STATE_DIR", "/var/tmp/jkn-daerah"),  # noqa: S108
        "admin_url": os.environ.get(
            "JKN_PG_ADMIN_URL", f"postgresql://postgres:{password}@{host}:{port}/postgres"
        ),
        "bootstrap": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{kafka_port}"),
        "prefix": os.environ.get("JKN_TOPIC_PREFIX", ""),
        "database": os.environ.get("JKN_DATABASE", "jkn"),
    }


def _repo_root() -> Path:
    if root := os.environ.get("JKN_REPO_ROOT"):
        return Path(root)
    for parent in Path(__file__).resolve().parents:
        if (parent / "scripts" / "kafka.sh").is_file():
            return parent
    for parent in [Path.cwd(), *Path.cwd().parents]:
        if (parent / "scripts" / "kafka.sh").is_file():
            return parent
    sys.exit("jkn_devstack: cannot find scripts/kafka.sh (set JKN_REPO_ROOT)")


def _script(name: str, action: str, check: bool = True) -> int:
    path = _repo_root() / "scripts" / name
    result = subprocess.run(["bash", str(path), action], check=False)  # noqa: S603, S607
    if check and result.returncode != 0:
        sys.exit(f"jkn_devstack: {name} {action} failed (exit {result.returncode})")
    return result.returncode


async def _topics(bootstrap: str, prefix: str, wait_s: float) -> list[str]:
    """Retries while the broker is not reachable yet (a Kubernetes Job starts early)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await ensure_topics(bootstrap, prefix)
        except KafkaConnectionError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"jkn_devstack: Kafka at {bootstrap} unreachable: {exc}") from exc
            print(f"waiting for Kafka at {bootstrap} ...", file=sys.stderr)
            await asyncio.sleep(2)


async def _database(admin_url: str, name: str, wait_s: float) -> dict[str, str]:
    """Retries while Postgres is not accepting connections yet (a Job starts early)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return await ensure_database(admin_url, name)
        except (OSError, asyncpg.CannotConnectNowError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"jkn_devstack: Postgres unreachable: {exc}") from exc
            print("waiting for Postgres ...", file=sys.stderr)
            await asyncio.sleep(2)


def _exports(s: dict[str, str], urls: dict[str, str]) -> list[str]:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": s["bootstrap"],
        "JKN_TOPIC_PREFIX": s["prefix"],
        "JKN_PG_ADMIN_URL": s["admin_url"],
        **service_env(urls),
    }
    return [f"export {k}='{v}'" for k, v in env.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jkn_devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up", help="start Kafka and Postgres, create database, roles, schemas, topics")
    sub.add_parser("down", help="stop Kafka and Postgres cleanly")
    sub.add_parser("status", help="is each one running and answering?")
    topics = sub.add_parser("topics", help="create every catalogue and dead-letter topic")
    topics.add_argument(
        "--wait",
        type=float,
        default=float(os.environ.get("JKN_TOPICS_WAIT", "120")),
        help="seconds to wait for the broker (default 120)",
    )
    db = sub.add_parser("db", help="create database NAME with the service roles and schemas")
    db.add_argument("name")
    db.add_argument(
        "--wait",
        type=float,
        default=float(os.environ.get("JKN_DB_WAIT", "120")),
        help="seconds to wait for Postgres (default 120)",
    )
    prune = sub.add_parser(
        "prune-topics", help="delete topics left under test/bench prefixes (keeps the demo's)"
    )
    prune.add_argument("--keep", action="append", default=[], help="a prefix to keep")
    sub.add_parser("env", help="print the export lines for the services (eval-able)")
    sub.add_parser("render-init-sql", help="print deploy/postgres/init.sql")
    args = parser.parse_args(argv)
    s = _settings()

    if args.command == "up":
        started = time.monotonic()
        _script("kafka.sh", "up")
        _script("postgres.sh", "up")
        urls = asyncio.run(_database(s["admin_url"], s["database"], 30))
        print(f"database {s['database']}: roles and schemas for {', '.join(urls)}")
        names = asyncio.run(_topics(s["bootstrap"], s["prefix"], 30))
        print(f"topics ({len(names)}): {', '.join(names)}")
        print(f"up in {time.monotonic() - started:.1f}s; state in {s['state_dir']}. Environment:")
        print("\n".join(_exports(s, urls)))
    elif args.command == "down":
        rc = _script("kafka.sh", "down", check=False) | _script("postgres.sh", "down", check=False)
        return rc
    elif args.command == "status":
        kafka = _script("kafka.sh", "status", check=False)
        return kafka | _script("postgres.sh", "status", check=False)
    elif args.command == "topics":
        names = asyncio.run(_topics(s["bootstrap"], s["prefix"], args.wait))
        print("\n".join(names))
    elif args.command == "db":
        urls = asyncio.run(_database(s["admin_url"], args.name, args.wait))
        print("\n".join(_exports({**s, "database": args.name}, urls)))
    elif args.command == "prune-topics":
        demo_prefix = Path(s["state_dir"]) / "run" / "topic_prefix"
        keep = [*args.keep, demo_prefix.read_text().strip() if demo_prefix.exists() else ""]
        pruned = asyncio.run(prune_prefixed_topics(s["bootstrap"], keep=tuple(keep)))
        print(f"pruned {len(pruned)} topics left by earlier test and bench runs")
    elif args.command == "env":
        urls = asyncio.run(ensure_database(s["admin_url"], s["database"]))
        print("\n".join(_exports(s, urls)))
    elif args.command == "render-init-sql":
        sys.stdout.write(render_init_sql(s["database"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
