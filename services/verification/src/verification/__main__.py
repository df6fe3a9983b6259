"""``python -m verification``: serve; ``python -m verification load-reference DIR``: load
civil_registry.csv and dtks.csv (from ``python -m jkn_city generate``) into the reference
tables, replacing what was there, in one transaction."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from jkn_bus import serve
from jkn_bus.db import bus_migrations, connect_pool, load_migrations, migrate

from verification.adapters.reference import ReferenceError, load_reference
from verification.bootstrap import MIGRATIONS, build_app, build_runtime, protection_for
from verification.settings import VerificationSettings, bus_settings


async def _load(directory: Path) -> dict[str, int]:
    bus = bus_settings()
    pool = await connect_pool(bus.database_url, max_size=2)
    try:
        await migrate(pool, [*bus_migrations(), *load_migrations(MIGRATIONS)], scope=bus.db_schema)
        return await load_reference(pool, directory, protection_for(bus))
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verification", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service (the default)")
    load = commands.add_parser("load-reference", help="replace the civil registry and DTKS data")
    load.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    if args.command == "load-reference":
        try:
            counts = asyncio.run(_load(args.directory))
        except ReferenceError as exc:
            parser.exit(2, f"load-reference: {exc}\n")
        for table, rows in counts.items():
            print(f"{table}: {rows} rows")
        return 0
    settings = VerificationSettings()
    runtime = build_runtime(settings)
    serve(build_app(runtime, settings), runtime)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
