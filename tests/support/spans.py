"""A Zipkin-compatible span collector for tests: services export to it over HTTP."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class SpanCollector:
    """Every span POSTed to ``endpoint`` (Zipkin v2 JSON), kept in memory."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.endpoint = ""

    def add(self, spans: list[dict[str, Any]]) -> None:
        with self._lock:
            self.spans.extend(spans)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.spans)


@contextmanager
def span_collector() -> Iterator[SpanCollector]:
    collector = SpanCollector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            collector.add(json.loads(body or b"[]"))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    collector.endpoint = f"http://127.0.0.1:{port}/api/v2/spans"
    try:
        yield collector
    finally:
        server.shutdown()
