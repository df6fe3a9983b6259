"""The environment of one local stack: its database, topic prefix, simulator store, and the
identity provider whose tokens its services accept (JKN_OIDC_ISSUER, JKN_OIDC_AUDIENCE)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
from jkn_devstack import ensure_database, ensure_topics
from jkn_devstack.identities import AUDIENCE
from jkn_devstack.tokens import default_issuer

__all__ = [
    "ADMIN_URL",
    "BOOTSTRAP",
    "ISSUER",
    "PSEUDONYM_KEY",
    "STATE_DIR",
    "drop_database",
    "fresh_stack_env",
]

# a fixed default so `make run`, `make stop` and `make bench` find the same stack; it holds
# only throw-away local state, and JKN_STATE_DIR moves it
STATE_DIR = Path(os.environ.get("JKN_STATE_DIR", "/var/tmp/jkn-daerah"))  # noqa: S108
ADMIN_URL = os.environ.get(
    "JKN_PG_ADMIN_URL", "postgresql://postgres:postgres@127.0.0.1:55432/postgres"
)
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
PSEUDONYM_KEY = os.environ.get("JKN_PSEUDONYM_KEY", "dev-only-pseudonym-key")
# the local Keycloak's realm (`make up`), unless JKN_OIDC_ISSUER names another
ISSUER = default_issuer()


async def drop_database(database: str) -> None:
    """Drop a stack's database (end-to-end runs clean up after themselves)."""
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()


def bpjs_limits_for_bench() -> dict[str, str]:
    """The gateway's BPJS limits for a benchmark of the city's side: 1000 calls/s and 32
    in flight, unless the environment sets ``BPJS_RATE_PER_S``/``BPJS_MAX_IN_FLIGHT``.

    The production defaults (20 calls/s for the cons-id, 8 in flight) bound the journey
    at about 20 / 3 = 6.7 residents/s (three calls each): a run under them measures
    BPJS's allowance, not this system. ``make bench-latency`` measures those limits."""
    return {
        "BPJS_RATE_PER_S": os.environ.get("BPJS_RATE_PER_S", "1000"),
        "BPJS_MAX_IN_FLIGHT": os.environ.get("BPJS_MAX_IN_FLIGHT", "32"),
    }


async def fresh_stack_env(
    *, database: str, topic_prefix: str, run_dir: Path, **extra: str
) -> dict[str, str]:
    """Drop and re-create ``database``, create the topics under ``topic_prefix``.

    Returns the environment the services run with.
    """
    await drop_database(database)
    urls = await ensure_database(ADMIN_URL, database)
    await ensure_topics(BOOTSTRAP, topic_prefix)
    sim_db = await asyncio.to_thread(_fresh_simulator_store, run_dir)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": BOOTSTRAP,
        "JKN_TOPIC_PREFIX": topic_prefix,
        "JKN_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "JKN_OIDC_ISSUER": ISSUER,
        "JKN_OIDC_AUDIENCE": AUDIENCE,
        "BPJS_SIM_DB": str(sim_db),
        **{
            f"{service.replace('-', '_').upper()}_DATABASE_URL": url
            for service, url in urls.items()
        },
    }
    env.update(extra)
    return env


def _fresh_simulator_store(run_dir: Path) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    sim_db = run_dir / "bpjs-sim.sqlite"
    sim_db.unlink(missing_ok=True)
    return sim_db
