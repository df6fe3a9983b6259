"""The local tracing UI: Zipkin's server jar from Maven Central, run beside the demo.

Production exports OTLP to the city's collector (deploy/otel); locally the services send
spans straight to Zipkin (JKN_ZIPKIN_ENDPOINT). Reused when already running.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

__all__ = ["ZIPKIN_VERSION", "ensure_zipkin"]

ZIPKIN_VERSION = "3.5.1"


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def ensure_zipkin(state_dir: Path, port: int = 9411, timeout: float = 120.0) -> str | None:
    """Start Zipkin if needed; its base URL, or None when it could not be fetched/started."""
    if _up(port):
        return f"http://127.0.0.1:{port}"
    jar_dir = state_dir / "zipkin"
    jar = jar_dir / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
    jar_dir.mkdir(parents=True, exist_ok=True)
    if not jar.exists():
        fetched = subprocess.run(  # noqa: S603 - fixed arguments
            [  # noqa: S607 - Maven from PATH
                "mvn",
                "-q",
                "-B",
                "dependency:copy",
                f"-Dartifact=io.zipkin:zipkin-server:{ZIPKIN_VERSION}:jar:exec",
                f"-DoutputDirectory={jar_dir}",
            ],
            capture_output=True,
            check=False,
        )
        if fetched.returncode != 0 or not jar.exists():
            return None
    log = (jar_dir / "zipkin.log").open("ab")
    proc = subprocess.Popen(  # noqa: S603
        ["java", "-Xmx384m", "-jar", str(jar), f"--server.port={port}"],  # noqa: S607
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ},
    )
    (jar_dir / "zipkin.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _up(port):
            return f"http://127.0.0.1:{port}"
        if proc.poll() is not None:
            return None
        time.sleep(0.5)
    return None
