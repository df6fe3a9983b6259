"""``python -m bpjs_gateway``: serve the gateway (BPJS_GATEWAY_HTTP_PORT, default 8003)."""

from __future__ import annotations

from jkn_bus import serve

from bpjs_gateway.bootstrap import build_app


def main() -> None:
    app = build_app()
    serve(app, app.state.runtime)


if __name__ == "__main__":
    main()
