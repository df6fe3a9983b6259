"""``python -m bpjs_sim`` serves the simulator; ``python -m bpjs_sim seed FILE.json`` seeds it."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import uvicorn
from pydantic import TypeAdapter, ValidationError

from bpjs_sim.app import create_app
from bpjs_sim.seeding import SeedPeserta, seed
from bpjs_sim.settings import SimSettings
from bpjs_sim.store import SqliteStore

__all__ = ["main"]


def _seed_file(settings: SimSettings, path: Path) -> int:
    try:
        records = TypeAdapter(list[SeedPeserta]).validate_json(path.read_bytes())
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        # Where and what, never the values: seed files hold (synthetic) personal data.
        for error in exc.errors():
            where = ".".join(map(str, error["loc"]))
            print(f"{path}: {where}: {error['msg']}", file=sys.stderr)
        return 1
    store = SqliteStore(settings.db_path)
    try:
        issued = seed(store, records)
    finally:
        store.close()
    print(json.dumps({"seeded": len(issued), "db": str(settings.db_path)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; see ``--help``."""
    parser = argparse.ArgumentParser(prog="python -m bpjs_sim", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="serve on BPJS_SIM_HOST:BPJS_SIM_PORT (the default)")
    seed_cmd = sub.add_parser("seed", help="insert or replace peserta from a JSON list")
    seed_cmd.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    settings = SimSettings.from_env()
    if args.command == "seed":
        return _seed_file(settings, args.file)
    logging.basicConfig(level=logging.INFO)
    # uvicorn's access log prints request paths, which carry NIKs: the app logs routes.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        loop="uvloop",  # as the services (jkn_bus.http.serve): less CPU per call
        http="httptools",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
