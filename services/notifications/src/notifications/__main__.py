"""``python -m notifications``: serve the API, consume events and send messages."""

from __future__ import annotations

from jkn_bus import serve

from notifications.bootstrap import build_app, build_runtime


def main() -> None:
    runtime = build_runtime()
    serve(build_app(runtime), runtime)


if __name__ == "__main__":
    main()
