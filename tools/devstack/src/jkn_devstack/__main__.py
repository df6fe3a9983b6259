"""``python -m jkn_devstack up|down|status|topics|db NAME|env|kcat ARGS|token NAME|...``.

Process control lives in scripts/kafka.sh, scripts/postgres.sh and scripts/keycloak.sh (also
used by make); this CLI calls them, then creates the database, roles, schemas, topics, and
the Kafka users and ACLs (jkn_devstack.acls). Keycloak, the local OpenID Connect identity
provider (deploy/keycloak), starts in the background while Kafka and Postgres do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import asyncpg
from aiokafka.errors import KafkaConnectionError

from jkn_devstack.acls import ensure_users
from jkn_devstack.credentials import ADMIN_USER, admin_password, librdkafka_auth
from jkn_devstack.database import ensure_database, service_env
from jkn_devstack.identities import AUDIENCE, IDENTITIES, REALM
from jkn_devstack.kcat import kcat_config_file, kcat_env, kcat_library_dir
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
        "issuer": os.environ.get(
            "JKN_OIDC_ISSUER",
            f"http://127.0.0.1:{os.environ.get('KEYCLOAK_PORT', '8180')}/realms/{REALM}",
        ),
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


_Background = tuple[subprocess.Popen[bytes], IO[bytes]]


def _script_in_background(name: str, action: str) -> _Background:
    """Start a script while other steps proceed; its output is shown when it is awaited."""
    path = _repo_root() / "scripts" / name
    out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _await_script
    proc = subprocess.Popen(  # noqa: S603
        ["bash", str(path), action],  # noqa: S607
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return proc, out


def _await_script(name: str, action: str, background: _Background) -> None:
    proc, out = background
    if proc.poll() is None:
        print(f"waiting for {name} {action} ...", flush=True)
    rc = proc.wait()
    out.seek(0)
    sys.stdout.write(out.read().decode(errors="replace"))
    sys.stdout.flush()
    out.close()
    if rc != 0:
        sys.exit(f"jkn_devstack: {name} {action} failed (exit {rc})")


async def _topics(bootstrap: str, prefix: str, wait_s: float) -> list[str]:
    """Topics, users (passwords set from the environment: a rotated Secret applies) and ACLs.

    Retries while the broker is not reachable yet (a Kubernetes Job starts early).
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            names = await ensure_topics(bootstrap, prefix)
            await ensure_users(bootstrap, reset_passwords=True)
            return names
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
        "JKN_OIDC_ISSUER": s["issuer"],
        "JKN_OIDC_AUDIENCE": AUDIENCE,
        **service_env(urls),
    }
    return [f"export {k}='{v}'" for k, v in env.items()]


def _kcat_lines(s: dict[str, str]) -> list[str]:
    """What kcat needs: the admin's SASL settings (KCAT_CONFIG), and a librdkafka >= 2.6.1."""
    state = Path(s["state_dir"])
    lines = [
        "# kcat as the admin (the broker takes SASL/SCRAM only):",
        f"export KCAT_CONFIG='{kcat_config_file(state)}'",
        "# or on the command line: kcat -b "
        + s["bootstrap"]
        + " "
        + " ".join(
            f"-X {k}={'***' if k == 'sasl.password' else v}"
            for k, v in librdkafka_auth(ADMIN_USER, admin_password()).items()
        )
        + " -L",
    ]
    if (lib := kcat_library_dir(state)) is not None:
        lines += [
            "# this kcat's librdkafka is older than 2.6.1 (no SCRAM with Kafka 4); use this one:",
            f"alias kcat='LD_LIBRARY_PATH={lib} kcat'",
        ]
    return lines


def _kcat(kcat_args: list[str]) -> int:
    """Replace this process with kcat, logged in as the admin."""
    s = _settings()
    state = Path(s["state_dir"])
    extra = [] if "-b" in kcat_args else ["-b", s["bootstrap"]]
    argv = ["kcat", "-F", str(kcat_config_file(state)), *extra, *kcat_args]
    os.execvpe("kcat", argv, kcat_env(state))  # noqa: S606, S607 - kcat from PATH
    return 0  # not reached


def _up(s: dict[str, str]) -> None:
    started = time.monotonic()
    keycloak = _script_in_background("keycloak.sh", "up")  # the slowest: overlaps the rest
    _script("kafka.sh", "up")
    _script("postgres.sh", "up")
    urls = asyncio.run(_database(s["admin_url"], s["database"], 30))
    print(f"database {s['database']}: roles and schemas for {', '.join(urls)}")
    names = asyncio.run(_topics(s["bootstrap"], s["prefix"], 30))
    print(f"topics ({len(names)}): {', '.join(names)}; users and ACLs of each service")
    _await_script("keycloak.sh", "up", keycloak)
    print(f"identity provider: {s['issuer']} (a token: python -m jkn_devstack token NAME)")
    print(f"up in {time.monotonic() - started:.1f}s; state in {s['state_dir']}. Environment:")
    print("\n".join(_exports(s, urls)))


def _add_token_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = sub.add_parser("token", help="print an access token of a demo identity")
    token.add_argument(
        "identity", metavar="NAME", choices=list(IDENTITIES), help="e.g. siti.dinsos"
    )
    token.add_argument("--issuer", help="default: JKN_OIDC_ISSUER, else the local Keycloak")
    token.add_argument(
        "--claims", action="store_true", help="print the token's claims (unverified) instead"
    )


def _token(name: str, issuer: str | None, *, claims: bool) -> None:
    """Print an access token of the demo identity ``name`` (or its claims)."""
    from jkn_devstack.tokens import TokenError, fetch_token, unverified_claims

    try:
        value = asyncio.run(fetch_token(name, issuer))
    except TokenError as exc:
        sys.exit(f"jkn_devstack: {exc}")
    print(json.dumps(unverified_claims(value), indent=2) if claims else value)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["kcat"]:  # everything after it is kcat's (argparse would read -L as ours)
        return _kcat(argv[1:])
    if argv[:1] in (["submit-proposal"], ["submit-finding"]):  # an agency system submits
        from jkn_devstack.submit import main as submit

        return submit(argv)
    parser = argparse.ArgumentParser(prog="python -m jkn_devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "up", help="start Kafka, Postgres and Keycloak; create database, roles, schemas, topics"
    )
    sub.add_parser("down", help="stop Kafka, Postgres and Keycloak cleanly")
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
    sub.add_parser("env", help="print the export lines for the services and kcat (eval-able)")
    kcat = sub.add_parser("kcat", help="run kcat as jkn-admin (SASL), e.g. `kcat -L`")
    kcat.add_argument("kcat_args", nargs=argparse.REMAINDER)
    _add_token_command(sub)
    sub.add_parser("render-init-sql", help="print deploy/postgres/init.sql")
    args = parser.parse_args(argv)
    s = _settings()

    if args.command == "up":
        _up(s)
    elif args.command == "down":
        rc = _script("kafka.sh", "down", check=False) | _script("postgres.sh", "down", check=False)
        return rc | _script("keycloak.sh", "down", check=False)
    elif args.command == "status":
        kafka = _script("kafka.sh", "status", check=False)
        return (
            kafka
            | _script("postgres.sh", "status", check=False)
            | _script("keycloak.sh", "status", check=False)
        )
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
        print("\n".join([*_exports(s, urls), *_kcat_lines(s)]))
    elif args.command == "token":
        _token(args.identity, args.issuer, claims=args.claims)
    elif args.command == "render-init-sql":
        sys.stdout.write(render_init_sql(s["database"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
