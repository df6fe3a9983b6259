"""The simulator's own CPU per call: N look-ups by NIK, N look-ups by card, N *tambah*.

Starts ``python -m bpjs_sim`` on a fresh register file and reads the server process's
CPU time (user + system, psutil) around each phase, so the client's signing and
decrypting are not counted. Run from the repository root::

    uv run --frozen python simulators/bpjs/bench/cpu_per_call.py --calls 500

The simulator must not be the ceiling of a load run (every resident costs the gateway a
NIK look-up, a *tambah* and a card look-up): this prints what one call costs it.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
from bpjs_bridging import headers

CONS_ID, SECRET, USER_KEY = "20001", "bench-secret", "bench-user-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _simulator(db: Path, *, strict: bool) -> Iterator[tuple[str, psutil.Process]]:
    port = _free_port()
    env = {
        **os.environ,
        "BPJS_SIM_DB": str(db),
        "BPJS_SIM_PORT": str(port),
        "BPJS_CONS_ID": CONS_ID,
        "BPJS_SECRET": SECRET,
        "BPJS_USER_KEY": USER_KEY,
        "BPJS_SIM_STRICT": "1" if strict else "0",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpjs_sim"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/_sim/health").raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _nik(i: int) -> str:
    return f"157102{i:010d}"


def _measure(
    process: psutil.Process, calls: int, one: Callable[[int], None]
) -> tuple[float, float]:
    """Server CPU and client-seen wall milliseconds per call over ``calls`` calls of ``one``.

    The wall time includes the client and any fsync; on a shared machine it is noisy.
    """
    before, started = _cpu_s(process), time.perf_counter()
    for i in range(calls):
        one(i)
    cpu_ms = (_cpu_s(process) - before) * 1000 / calls
    return cpu_ms, (time.perf_counter() - started) * 1000 / calls


def run(calls: int) -> dict[str, tuple[float, float]]:
    """Seed ``calls`` residents, then time each kind of call against them."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        _simulator(Path(tmp) / "sim.sqlite", strict=False) as (base, process),
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        seeded = [
            {
                "nik": _nik(i),
                "nama": "WARGA UJI",
                "sex": "P",
                "tglLahir": "1980-05-05",
                "jenisPeserta": "21",
            }
            for i in range(calls)
        ]
        cards: list[str] = []
        for start in range(0, calls, 100):  # the old per-row commits were slow to seed
            reply = http.post("/_sim/seed", json=seeded[start : start + 100])
            cards += reply.raise_for_status().json()["noKartu"]

        def signed_get(path: str) -> None:
            reply = http.get(path, headers=headers(CONS_ID, SECRET, USER_KEY))
            assert reply.json()["metaData"]["code"] == "200", reply.text

        def tambah(i: int) -> None:
            body = {
                "jenis": "tambah",
                "nik": _nik(calls + i),
                "nama": "WARGA BARU",
                "sex": "L",
                "tglLahir": "1990-01-01",
                "noKK": "1571020101100001",
                "tglBerlaku": "2025-02-01",
            }
            reply = http.post(
                "/pemda-rest/mutasi", json=body, headers=headers(CONS_ID, SECRET, USER_KEY)
            )
            assert reply.json()["metaData"]["code"] == "200", reply.text

        return {
            "lookup_by_nik": _measure(
                process,
                calls,
                lambda i: signed_get(f"/vclaim-rest/Peserta/nik/{_nik(i)}/tglSEP/2025-01-15"),
            ),
            "lookup_by_card": _measure(
                process,
                calls,
                lambda i: signed_get(f"/vclaim-rest/Peserta/nokartu/{cards[i]}/tglSEP/2025-01-15"),
            ),
            "tambah": _measure(process, calls, tambah),
        }


def main() -> None:
    """Print the figures as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls of each kind (default 500)")
    args = parser.parse_args()
    figures = run(args.calls)
    rounded = {k: {"cpu_ms": round(c, 3), "wall_ms": round(w, 3)} for k, (c, w) in figures.items()}
    print(json.dumps({"calls": args.calls, **rounded}))


if __name__ == "__main__":
    main()
