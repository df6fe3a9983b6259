"""Operator look-up of one participant at BPJS.

    python -m bpjs_gateway.entrypoints.lookup_cli nik 1571xxxxxxxxxxxx [--date YYYY-MM-DD]
    python -m bpjs_gateway.entrypoints.lookup_cli kartu 0001234567890

Reads BPJS_BASE_URL, BPJS_CONS_ID, BPJS_SECRET and BPJS_USER_KEY. Prints the peserta
record as JSON (showing it to the operator is this tool's job). Exit codes: 0 found;
1 BPJS does not know the participant or refused the query; 2 the query could not be
made (configuration, credentials, BPJS unavailable, undecryptable answer).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import date

from bpjs_bridging import BridgingDecryptError

from bpjs_gateway.adapters.bpjs_client import BpjsBusinessError, BpjsClient, BpjsError
from bpjs_gateway.domain.peserta import Peserta

__all__ = ["main"]

_ENV = ("BPJS_BASE_URL", "BPJS_CONS_ID", "BPJS_SECRET", "BPJS_USER_KEY")
FOUND, NOT_FOUND, CANNOT_ASK = 0, 1, 2


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bpjs_gateway.entrypoints.lookup_cli",
        description="Look a participant up at BPJS (VClaim) by NIK or card number.",
    )
    parser.add_argument("kind", choices=("nik", "kartu"), help="what the number is")
    parser.add_argument("number", help="16-digit NIK or 13-digit BPJS card number")
    parser.add_argument(
        "--date", type=date.fromisoformat, default=date.today(), help="tglSEP, default today"
    )
    args = parser.parse_args(argv)
    digits = 16 if args.kind == "nik" else 13
    if len(args.number) != digits or not args.number.isdigit():
        parser.error(f"a {args.kind} number has {digits} digits")
    return args


async def _lookup(client: BpjsClient, args: argparse.Namespace) -> Peserta | None:
    async with client:
        if args.kind == "nik":
            return await client.peserta_by_nik(args.number, args.date)
        return await client.peserta_by_card(args.number, args.date)


def main(argv: list[str] | None = None) -> int:
    """Run the look-up; return the exit code."""
    args = _parse(argv)
    missing = [name for name in _ENV if not os.environ.get(name)]
    if missing:
        print(f"error: set {', '.join(missing)}", file=sys.stderr)
        return CANNOT_ASK
    env = os.environ
    client = BpjsClient(
        env["BPJS_BASE_URL"], env["BPJS_CONS_ID"], env["BPJS_SECRET"], env["BPJS_USER_KEY"]
    )
    try:
        peserta = asyncio.run(_lookup(client, args))
    except BpjsBusinessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return NOT_FOUND
    except (BpjsError, BridgingDecryptError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return CANNOT_ASK
    if peserta is None:
        print(f"not found: BPJS knows no participant with this {args.kind}", file=sys.stderr)
        return NOT_FOUND
    print(peserta.model_dump_json(by_alias=True, indent=2))
    return FOUND


if __name__ == "__main__":
    sys.exit(main())
