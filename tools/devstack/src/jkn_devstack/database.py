"""One database, one login role and one schema per service."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

from jkn_devstack import sql

__all__ = ["SERVICES", "Service", "ensure_database", "service_env"]

# Serialises concurrent callers (several test sessions, CI jobs) cluster-wide.
_LOCK_KEY = 0x4A4B4E_0001


@dataclass(frozen=True)
class Service:
    name: str  # service name as used in consumer groups: "bpjs-gateway"
    role: str  # login role == schema: "bpjs_gateway"

    @property
    def env_prefix(self) -> str:
        return self.role.upper()

    @property
    def url_env(self) -> str:
        return f"{self.env_prefix}_DATABASE_URL"

    @property
    def password_env(self) -> str:
        return f"{self.env_prefix}_DB_PASSWORD"

    def password(self) -> str:
        return os.environ.get(self.password_env, f"{self.role}-dev")


SERVICES: tuple[Service, ...] = tuple(
    Service(name=role.replace("_", "-"), role=role) for role in sql.ROLES
)


def _with_path(url: str, dbname: str, user: str | None = None, password: str | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    if user is not None:
        cred = quote(user, safe="")
        if password is not None:
            cred += ":" + quote(password, safe="")
        netloc = f"{cred}@{netloc}"
    elif "@" in parts.netloc:
        netloc = parts.netloc
    return urlunsplit((parts.scheme, netloc, "/" + quote(dbname, safe=""), parts.query, ""))


async def _execute_ignoring_duplicates(conn: asyncpg.Connection, statement: str) -> None:
    # someone outside our advisory lock (an init script) may win the race: fine
    with contextlib.suppress(
        asyncpg.DuplicateObjectError,
        asyncpg.DuplicateDatabaseError,
        asyncpg.DuplicateSchemaError,
        asyncpg.UniqueViolationError,
    ):
        await conn.execute(statement)


async def ensure_database(admin_url: str, dbname: str) -> dict[str, str]:
    """Create (idempotently) the service roles, ``dbname`` and one schema per service in it.

    Returns ``{service_name: database_url}``. Raises ``RuntimeError`` when a role could
    reach another service's schema. Safe under concurrent callers.
    """
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        try:
            for service in SERVICES:
                if not await admin.fetchval(sql.role_exists(service.role)):
                    await _execute_ignoring_duplicates(admin, sql.create_role(service.role))
                password = sql.quote_literal(service.password())
                for statement in sql.alter_role(service.role, password):
                    await admin.execute(statement)
            if not await admin.fetchval(sql.role_exists(sql.KEYRING)):
                await _execute_ignoring_duplicates(admin, sql.create_keyring_role())
            if not await admin.fetchval(sql.database_exists(dbname)):
                await _execute_ignoring_duplicates(admin, sql.create_database(dbname))
            for statement in sql.database_grants(dbname):
                await admin.execute(statement)
            db = await asyncpg.connect(_with_path(admin_url, dbname))
            try:
                for statement in [*sql.schema_statements(), *sql.keyring_statements()]:
                    await _execute_ignoring_duplicates(db, statement)
                await _verify_isolation(db)
                await _verify_keyring(db)
            finally:
                await db.close()
        finally:
            await admin.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    finally:
        await admin.close()
    return {
        s.name: _with_path(admin_url, dbname, user=s.role, password=s.password()) for s in SERVICES
    }


async def _verify_isolation(db: asyncpg.Connection) -> None:
    roles = [s.role for s in SERVICES]
    rows = await db.fetch(sql.ISOLATION_CHECK, roles, [*roles, "public"])
    problems = []
    for row in rows:
        own = row["role"] == row["schema"]
        if row["superuser"]:
            problems.append(f"role {row['role']} is a superuser")
        elif own and not (row["can_use"] and row["can_create"]):
            problems.append(f"role {row['role']} cannot use its own schema")
        elif not own and (row["can_use"] or row["can_create"]):
            problems.append(f"role {row['role']} can reach schema {row['schema']}")
    if len(rows) != len(roles) * (len(roles) + 1):
        problems.append(f"expected every role and schema, found {len(rows)} pairs")
    if problems:
        raise RuntimeError("schema isolation broken: " + "; ".join(sorted(set(problems))))


async def _verify_keyring(db: asyncpg.Connection) -> None:
    """Enrollment reads, creates and destroys keys (never deletes a row); verification,
    the gateway and notifications only read; every other role cannot reach the schema."""
    rows = await db.fetch(sql.KEYRING_CHECK, [s.role for s in SERVICES])
    problems = []
    for row in rows:
        role = row["role"]
        reads = role in sql.KEYRING_WRITERS or role in sql.KEYRING_READERS
        expected = {
            "can_use": reads,
            "can_create": False,
            "can_select": reads,
            "can_insert": role in sql.KEYRING_WRITERS,
            "can_update": role in sql.KEYRING_WRITERS,
            "can_delete": False,
        }
        problems += [f"{role}: {k} is {row[k]}" for k, v in expected.items() if row[k] != v]
    if len(rows) != len(SERVICES):
        problems.append(f"expected every service role, found {len(rows)}")
    if problems:
        raise RuntimeError("keyring grants wrong: " + "; ".join(sorted(problems)))


def service_env(urls: dict[str, str]) -> dict[str, str]:
    """``{"ENROLLMENT_DATABASE_URL": ..., ...}`` from ``ensure_database``'s answer."""
    return {s.url_env: urls[s.name] for s in SERVICES}
