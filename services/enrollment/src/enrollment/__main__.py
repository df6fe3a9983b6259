"""``python -m enrollment`` serves the API; ``python -m enrollment import FILE`` imports a CSV."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["import"]:
        from enrollment.entrypoints.cli import main as import_main

        sys.exit(import_main(sys.argv[2:]))
    from jkn_bus import serve

    from enrollment.bootstrap import build_app, build_runtime

    runtime = build_runtime()
    serve(build_app(runtime), runtime)


if __name__ == "__main__":
    main()
