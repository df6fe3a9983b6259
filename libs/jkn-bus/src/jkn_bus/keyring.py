"""The keyring: every resident's data key (DEK), wrapped by a key-encryption key (KEK).

One Postgres schema of its own, ``keyring``, owned by its own role (created with the
database: ``jkn_devstack.database`` and ``deploy/postgres/init.sql``), one table::

    keyring.deks(participant_id, version, kek_id, wrapped, created_at, rewrapped_at,
                 destroyed_at)

Enrollment (Dinas Sosial, the controller of the resident's data) creates a resident's key
when it first proposes them and destroys it on erasure: ``wrapped`` and ``kek_id`` become
null, the row stays as a tombstone with ``destroyed_at``. Verification, the BPJS gateway
and notifications may only read it (GRANT SELECT); the audit service cannot reach it.

Rotation: configure a new KEK as current (services accept every configured KEK id), then
``python -m jkn_bus.keyring rewrap`` re-wraps every DEK under it, in batches, each batch
its own short transaction (rows locked ``FOR UPDATE SKIP LOCKED``), while services keep
running; once ``status`` shows no DEK under the old id, drop that KEK from configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from typing import Any

import asyncpg

from jkn_bus.personal_data import (
    Dek,
    KeyEncryptionKeys,
    LocalKeks,
    PersonalDataErased,
    new_dek,
    parse_kid,
)

__all__ = ["SCHEMA", "TABLE", "Keyring", "main"]

SCHEMA = "keyring"
TABLE = f"{SCHEMA}.deks"


class Keyring:
    """Data keys of residents, read and written on the caller's connection (so creating a
    key, or destroying one, commits with the caller's own transaction)."""

    def __init__(self, keks: KeyEncryptionKeys) -> None:
        self.keks = keks

    async def create(self, conn: asyncpg.Connection, participant_id: str) -> Dek:
        """The resident's live key, created when they have none (or a new version after
        an erasure: a resident proposed again is new data under a new key)."""
        candidate = new_dek(participant_id)
        kek_id, wrapped = self.keks.wrap(candidate.key)
        inserted = await conn.fetchval(
            f"INSERT INTO {TABLE} (participant_id, version, kek_id, wrapped) "  # noqa: S608
            "VALUES ($1, 1, $2, $3) ON CONFLICT (participant_id) DO NOTHING RETURNING version",
            participant_id,
            kek_id,
            wrapped,
        )
        if inserted is not None:
            return candidate
        row = await conn.fetchrow(
            f"SELECT version, kek_id, wrapped FROM {TABLE} "  # noqa: S608
            "WHERE participant_id = $1 FOR UPDATE",
            participant_id,
        )
        if row is None:  # cannot be: the row was there a statement ago and is never deleted
            raise PersonalDataErased
        if row["wrapped"] is not None:
            return Dek(participant_id, row["version"], self._unwrap(row))
        version = row["version"] + 1
        await conn.execute(
            f"UPDATE {TABLE} SET version = $2, kek_id = $3, wrapped = $4, "  # noqa: S608
            "created_at = now(), rewrapped_at = NULL, destroyed_at = NULL "
            "WHERE participant_id = $1",
            participant_id,
            version,
            kek_id,
            wrapped,
        )
        return Dek(participant_id, version, candidate.key)

    async def get(self, conn: asyncpg.Connection, kid: str) -> Dek:
        """The key a blob names; :class:`PersonalDataErased` when it is destroyed, missing
        or of an older version (destroyed when the resident was erased)."""
        participant_id, version = parse_kid(kid)
        row = await conn.fetchrow(
            f"SELECT version, kek_id, wrapped FROM {TABLE} WHERE participant_id = $1",  # noqa: S608
            participant_id,
        )
        if row is None or row["wrapped"] is None or row["version"] != version:
            raise PersonalDataErased
        return Dek(participant_id, version, self._unwrap(row))

    async def destroy(self, conn: asyncpg.Connection, participant_id: str) -> bool:
        """Crypto-shred: forget the wrapped key, keep a tombstone. True when a live key
        was destroyed now (False: none, or already destroyed)."""
        live = await conn.fetchval(
            f"UPDATE {TABLE} SET kek_id = NULL, wrapped = NULL, destroyed_at = now() "  # noqa: S608
            "WHERE participant_id = $1 AND wrapped IS NOT NULL RETURNING true",
            participant_id,
        )
        if live is None:  # never had a key: the tombstone says it is erased all the same
            await conn.execute(
                f"INSERT INTO {TABLE} (participant_id, version, destroyed_at) "  # noqa: S608
                "VALUES ($1, 1, now()) ON CONFLICT (participant_id) DO NOTHING",
                participant_id,
            )
        return bool(live)

    async def rewrap(self, conn: asyncpg.Connection, *, batch_size: int = 500) -> int:
        """Re-wrap up to ``batch_size`` live DEKs not yet under the current KEK, in one
        transaction; the number moved (0: done)."""
        current = self.keks.current_id
        async with conn.transaction():
            rows = await conn.fetch(
                f"SELECT participant_id, version, kek_id, wrapped FROM {TABLE} "  # noqa: S608
                "WHERE wrapped IS NOT NULL AND kek_id <> $1 "
                "ORDER BY participant_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                current,
                batch_size,
            )
            moved = []
            for row in rows:
                kek_id, wrapped = self.keks.wrap(self._unwrap(row))
                moved.append((row["participant_id"], kek_id, wrapped))
            await conn.executemany(
                f"UPDATE {TABLE} SET kek_id = $2, wrapped = $3, rewrapped_at = now() "  # noqa: S608
                "WHERE participant_id = $1",
                moved,
            )
        return len(moved)

    async def rewrap_all(self, conn: asyncpg.Connection, *, batch_size: int = 500) -> int:
        total = 0
        while moved := await self.rewrap(conn, batch_size=batch_size):
            total += moved
        return total

    def _unwrap(self, row: Any) -> bytes:
        return self.keks.unwrap(row["kek_id"], bytes(row["wrapped"]))


async def status(conn: asyncpg.Connection) -> dict[str, int]:
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


if __name__ == "__main__":
    raise SystemExit(main())
