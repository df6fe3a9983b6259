"""Command line of the synthetic city.

python -m jkn_city generate --seed 1571 --size 5000 --out DIR
python -m jkn_city snapshot --seed 1571 --rows 1000000 --out FILE [--city-size 5000]
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path

from jkn_city.demo import demo_batch, demo_manifest, write_demo_csv, write_manifest_json
from jkn_city.export import write_bpjs_seed_json, write_civil_registry_csv, write_dtks_csv
from jkn_city.generator import DEFAULT_AS_OF, generate_city
from jkn_city.snapshot import write_snapshot_csv

__all__ = ["DEV_PSEUDONYM_KEY", "generate_files", "main"]

DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key"


def generate_files(
    out: Path,
    *,
    seed: int,
    size: int,
    eligible: int = 20,
    quota: int | None = None,
    pseudonym_key: str = DEV_PSEUDONYM_KEY,
    as_of: date = DEFAULT_AS_OF,
) -> dict[str, int]:
    """Write civil_registry.csv, dtks.csv, bpjs_seed.json, proposals_demo.csv and
    manifest.json into ``out``; return the number of records in each."""
    out.mkdir(parents=True, exist_ok=True)
    city = generate_city(seed, size, as_of=as_of)
    rows = demo_batch(city, eligible)
    manifest = demo_manifest(rows, pseudonym_key=pseudonym_key, quota=quota)
    manifest.update(seed=seed, size=size, as_of=as_of.isoformat())
    write_manifest_json(manifest, out / "manifest.json")
    return {
        "civil_registry.csv": write_civil_registry_csv(city, out / "civil_registry.csv"),
        "dtks.csv": write_dtks_csv(city, out / "dtks.csv"),
        "bpjs_seed.json": write_bpjs_seed_json(city, out / "bpjs_seed.json"),
        "proposals_demo.csv": write_demo_csv(rows, out / "proposals_demo.csv"),
        "manifest.json": len(rows),
    }


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m jkn_city``."""
    parser = argparse.ArgumentParser(
        prog="python -m jkn_city",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="city files and the demo batch")
    gen.add_argument("--seed", type=int, default=1571)
    gen.add_argument("--size", type=int, default=5000)
    gen.add_argument("--out", type=Path, required=True, help="output folder")
    gen.add_argument("--eligible", type=int, default=20, help="eligible rows in the demo")
    gen.add_argument("--quota", type=int, default=None, help="quota to suggest in manifest")
    gen.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    gen.add_argument(
        "--pseudonym-key", default=os.environ.get("JKN_PSEUDONYM_KEY", DEV_PSEUDONYM_KEY)
    )
    snap = commands.add_parser("snapshot", help="a large DTKS snapshot CSV, streamed")
    snap.add_argument("--seed", type=int, default=1571)
    snap.add_argument("--rows", type=int, required=True)
    snap.add_argument("--out", type=Path, required=True, help="output CSV file")
    snap.add_argument(
        "--city-size",
        type=int,
        default=0,
        help="start with the DTKS members of generate --size N for this seed",
    )
    snap.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    args = parser.parse_args(argv)
    if args.command == "generate":
        written = generate_files(
            args.out,
            seed=args.seed,
            size=args.size,
            eligible=args.eligible,
            quota=args.quota,
            pseudonym_key=args.pseudonym_key,
            as_of=args.as_of,
        )
        for name, count in written.items():
            print(f"{args.out / name}: {count} records")
    else:
        city = (
            generate_city(args.seed, args.city_size, as_of=args.as_of) if args.city_size else None
        )
        count = write_snapshot_csv(args.out, args.rows, seed=args.seed, city=city, as_of=args.as_of)
        print(f"{args.out}: {count} rows")
    return 0
