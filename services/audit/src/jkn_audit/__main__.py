"""``python -m jkn_audit``: serve the audit trail (AUDIT_HTTP_PORT, default 8005);
``python -m jkn_audit verify``: check every hash chain (exit 0 intact, 1 broken)."""

from __future__ import annotations

import argparse
import sys

from jkn_bus import serve

from jkn_audit.bootstrap import build_app
from jkn_audit.entrypoints.cli import verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jkn_audit", description=__doc__)
    parser.add_argument("command", nargs="?", choices=("serve", "verify"), default="serve")
    args = parser.parse_args(argv)
    if args.command == "verify":
        return verify()
    app = build_app()
    serve(app, app.state.runtime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
