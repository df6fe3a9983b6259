"""``python -m notifications``: serve the API, consume events and send messages."""

from __future__ import annotations

from jkn_bus import serve

from notifications.bootstrap import build_app, build_runtime, routing, settings
from notifications.settings import NotificationsSettings


def main() -> None:
    own = NotificationsSettings()  # the service's settings, read once
    route = routing(own)
    runtime = build_runtime(settings(own), route)
    serve(build_app(runtime, route, own=own), runtime)


if __name__ == "__main__":
    main()
