"""``python -m jkn_bus.keyring rewrap|status``: re-wrap every resident's data key under
the current KEK, or count the keys per KEK (``jkn_bus.keyring`` explains rotation)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

import asyncpg

from jkn_bus.keyring import TABLE, Conn, Keyring
from jkn_bus.personal_data import LocalKeks

__all__ = ["main", "status"]


async def status(conn: Conn) -> dict[str, int]:
    """Live DEKs per KEK id, and tombstones (``destroyed``)."""
    rows = await conn.fetch(
        f"SELECT coalesce(kek_id, 'destroyed') AS k, count(*) AS n FROM {TABLE} "  # noqa: S608
        "GROUP BY 1 ORDER BY 1"
    )
    return {row["k"]: row["n"] for row in rows}


async def _run(args: argparse.Namespace) -> int:
    conn = await asyncpg.connect(args.database_url)
    try:
        if args.command == "status":
            for kek_id, count in (await status(conn)).items():
                print(f"{kek_id}\t{count}")
            return 0
        keyring = Keyring(LocalKeks.from_env())
        moved = await keyring.rewrap_all(conn, batch_size=args.batch_size)
        print(f"rewrapped {moved} data keys under {keyring.keks.current_id}")
        return 0
    finally:
        await conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m jkn_bus.keyring rewrap|status``: as the keyring's writer (enrollment's
    database role, ``ENROLLMENT_DATABASE_URL``), with the KEKs of ``JKN_KEK_FILE`` /
    ``JKN_KEKS`` (the new one current)."""
    parser = argparse.ArgumentParser(prog="python -m jkn_bus.keyring")
    parser.add_argument("command", choices=["rewrap", "status"])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ENROLLMENT_DATABASE_URL",
            "postgresql://enrollment:enrollment-dev@127.0.0.1:55432/jkn",
        ),
    )
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (OSError, asyncpg.PostgresError, ValueError) as exc:
        print(f"keyring {args.command} failed: {type(exc).__name__}", file=sys.stderr)
        return 1
