"""The SQL that isolates services, shared by ``ensure_database`` and deploy/postgres/init.sql.

Each service logs in as its own role, owns one schema named like the role, and can reach
nothing else: PUBLIC loses CONNECT on the database and CREATE/USAGE on schema ``public``.
``render_init_sql`` writes the same statements as a psql script for the Postgres container
(``python -m jkn_devstack render-init-sql > deploy/postgres/init.sql``; a unit test fails
when the committed file is stale).

The keyring (``jkn_bus.keyring``: every resident's data key, wrapped) is a schema of its
own, owned by a role of its own that cannot log in: enrollment (Dinas Sosial, the
controller of residents' data) may read, create and destroy keys (no DELETE: a destroyed
key leaves a tombstone); verification, the BPJS gateway and notifications may only read
them; audit cannot reach the schema at all.
"""

from __future__ import annotations

ROLES: tuple[str, ...] = ("enrollment", "verification", "bpjs_gateway", "notifications", "audit")
KEYRING = "keyring"  # schema and its owning role (NOLOGIN)
KEYRING_WRITERS: tuple[str, ...] = ("enrollment",)
KEYRING_READERS: tuple[str, ...] = ("verification", "bpjs_gateway", "notifications")


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def role_exists(role: str) -> str:
    return f"SELECT 1 FROM pg_roles WHERE rolname = {quote_literal(role)}"  # noqa: S608 - quoted


def create_role(role: str) -> str:
    return f"CREATE ROLE {quote_ident(role)} LOGIN"


def alter_role(role: str, password_sql: str) -> list[str]:
    """``password_sql``: a quoted literal, or a psql variable like ``:'enrollment_password'``."""
    r = quote_ident(role)
    return [
        f"ALTER ROLE {r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
        f"NOBYPASSRLS PASSWORD {password_sql}",
        f"ALTER ROLE {r} SET search_path TO {r}",
    ]


def database_exists(dbname: str) -> str:
    return f"SELECT 1 FROM pg_database WHERE datname = {quote_literal(dbname)}"  # noqa: S608


def create_database(dbname: str) -> str:
    return f"CREATE DATABASE {quote_ident(dbname)}"


def database_grants(dbname: str, roles: tuple[str, ...] = ROLES) -> list[str]:
    d = quote_ident(dbname)
    return [
        f"REVOKE ALL ON DATABASE {d} FROM PUBLIC",
        *(f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {quote_ident(r)}" for r in roles),
    ]


def schema_statements(roles: tuple[str, ...] = ROLES) -> list[str]:
    """Run connected to the service database."""
    out = [
        "REVOKE CREATE, USAGE ON SCHEMA public FROM PUBLIC",
    ]
    for role in roles:
        r = quote_ident(role)
        out += [
            f"CREATE SCHEMA IF NOT EXISTS {r} AUTHORIZATION {r}",
            f"ALTER SCHEMA {r} OWNER TO {r}",
            f"REVOKE ALL ON SCHEMA {r} FROM PUBLIC",
        ]
    return out


def create_keyring_role() -> str:
    return f"CREATE ROLE {quote_ident(KEYRING)} NOLOGIN"


def keyring_statements() -> list[str]:
    """The keyring schema, its table and who may do what with it (connected to the
    service database; idempotent)."""
    k = quote_ident(KEYRING)
    table = f"{k}.deks"
    return [
        f"CREATE SCHEMA IF NOT EXISTS {k} AUTHORIZATION {k}",
        f"ALTER SCHEMA {k} OWNER TO {k}",
        f"REVOKE ALL ON SCHEMA {k} FROM PUBLIC",
        f"CREATE TABLE IF NOT EXISTS {table} ("
        "participant_id text PRIMARY KEY CHECK (participant_id ~ '^P[0-9a-f]{24}$'), "
        "version integer NOT NULL DEFAULT 1 CHECK (version >= 1), "
        "kek_id text, "
        "wrapped bytea, "
        "created_at timestamptz NOT NULL DEFAULT now(), "
        "rewrapped_at timestamptz, "
        "destroyed_at timestamptz, "
        "CHECK ((wrapped IS NULL) = (kek_id IS NULL)), "
        "CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL)))",
        f"ALTER TABLE {table} OWNER TO {k}",
        f"REVOKE ALL ON {table} FROM PUBLIC",
        *(
            f"GRANT USAGE ON SCHEMA {k} TO {quote_ident(r)}"
            for r in (*KEYRING_WRITERS, *KEYRING_READERS)
        ),
        *(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {quote_ident(r)}" for r in KEYRING_WRITERS),
        *(f"GRANT SELECT ON {table} TO {quote_ident(r)}" for r in KEYRING_READERS),
    ]


KEYRING_CHECK = """
SELECT r.rolname AS role,
       has_schema_privilege(r.rolname, 'keyring', 'USAGE') AS can_use,
       has_schema_privilege(r.rolname, 'keyring', 'CREATE') AS can_create,
       has_table_privilege(r.rolname, 'keyring.deks', 'SELECT') AS can_select,
       has_table_privilege(r.rolname, 'keyring.deks', 'INSERT') AS can_insert,
       has_table_privilege(r.rolname, 'keyring.deks', 'UPDATE') AS can_update,
       has_table_privilege(r.rolname, 'keyring.deks', 'DELETE') AS can_delete
FROM pg_roles r WHERE r.rolname = ANY($1::text[])
"""


ISOLATION_CHECK = """
SELECT r.rolname AS role, n.nspname AS schema,
       has_schema_privilege(r.rolname, n.nspname, 'USAGE') AS can_use,
       has_schema_privilege(r.rolname, n.nspname, 'CREATE') AS can_create,
       r.rolsuper AS superuser
FROM pg_roles r CROSS JOIN pg_namespace n
WHERE r.rolname = ANY($1::text[]) AND n.nspname = ANY($2::text[])
"""


def render_init_sql(dbname: str = "jkn", roles: tuple[str, ...] = ROLES) -> str:
    """A psql script for /docker-entrypoint-initdb.d (and any fresh production cluster).

    Passwords come from the environment of psql (``<ROLE>_DB_PASSWORD``) via ``\\getenv``.
    """
    lines = [
        "-- GENERATED by `python -m jkn_devstack render-init-sql` from jkn_devstack/sql.py.",
        "-- Do not edit: tests/unit/deploy/test_manifests_are_valid.py fails when it is stale.",
        "-- One login role and one schema per service; PUBLIC can reach nothing.",
        "-- Passwords: environment variables <ROLE>_DB_PASSWORD (psql 15 \\getenv).",
        "\\set ON_ERROR_STOP on",
    ]
    for role in roles:
        var = f"{role}_password"
        lines += [
            "",
            f"\\getenv {var} {role.upper()}_DB_PASSWORD",
            f"SELECT {quote_literal(create_role(role))} "
            f"WHERE NOT EXISTS ({role_exists(role)})\\gexec",
            *(s + ";" for s in alter_role(role, f":'{var}'")),
        ]
    lines += [
        "",
        f"SELECT {quote_literal(create_database(dbname))} "
        f"WHERE NOT EXISTS ({database_exists(dbname)})\\gexec",
        *(s + ";" for s in database_grants(dbname, roles)),
        "",
        f"\\connect {dbname}",
        *(s + ";" for s in schema_statements(roles)),
        "",
        "-- The keyring: residents' data keys (jkn_bus.keyring).",
        f"SELECT {quote_literal(create_keyring_role())} "
        f"WHERE NOT EXISTS ({role_exists(KEYRING)})\\gexec",
        *(s + ";" for s in keyring_statements()),
        "",
    ]
    return "\n".join(lines)
