"""Bench of the quarterly DTKS/DTSEN snapshot reconciliation (enrollment;
docs/domain.md#snapshot-diff).

A synthetic city's DTKS members (and some residents outside DTKS) are enrolled as active
participants straight into a fresh enrollment database; a snapshot of ``rows`` rows
(the city's DTKS members first, then filler people) is written by jkn_city; then the
snapshot goes through enrollment's real code path (``apply_snapshot``: streamed parse,
binary COPY into staging, SQL diff, candidates, deactivation requests emitted in
batches through the outbox) on a running enrollment runtime: uploaded (the preview) by one
officer and approved by another (``approve_run``), with no deactivation-share or row-ratio
limit (the bench city has far more absent residents than production allows at once).
Measured: wall seconds of both calls, the peak RSS of this process while they run, and
that of its parse workers together (``app.snapshot_shares``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from jkn_city.generator import generate_city
from jkn_devstack import ensure_database, ensure_topics

from jkn_demo.stackenv import ADMIN_URL, BOOTSTRAP, PSEUDONYM_KEY

__all__ = ["snapshot_bench"]

_SEED = 1571


async def _enrol_city(runtime: Any, city_size: int, outside_dtks: int) -> dict[str, int]:
    """Active participants: every DTKS member of the city, plus ``outside_dtks`` residents
    the registry does not know (they will be "tidak ditemukan")."""
    from enrollment.adapters.proposals import insert_many  # noqa: PLC0415 - service code
    from enrollment.app.proposals import new_proposal  # noqa: PLC0415
    from enrollment.domain import Proposal  # noqa: PLC0415
    from enrollment.settings import EnrollmentSettings  # noqa: PLC0415
    from jkn_contracts import ProposalSource  # noqa: PLC0415

    key = EnrollmentSettings.from_env().receipt_key  # as the service reads it
    city = generate_city(_SEED, city_size)
    in_dtks = [r for r in city if r.welfare_decile is not None]
    outside = [r for r in city if r.welfare_decile is None][:outside_dtks]
    news = [
        new_proposal(
            Proposal(
                nik=r.nik,
                kk=r.kk,
                name=r.name,
                sex=r.sex,
                birth_date=r.birth_date,
                kelurahan=r.kelurahan,
                source=ProposalSource.DTKS,
                welfare_decile=r.welfare_decile,
            ),
            proposed_by="bench",
            pseudonym_key=PSEUDONYM_KEY,
            receipt_key=key,
        )
        for r in [*in_dtks, *outside]
    ]
    async with runtime.pool.acquire() as conn, conn.transaction():
        for start in range(0, len(news), 2000):
            await insert_many(conn, news[start : start + 2000])
        await conn.execute("UPDATE proposals SET status = 'activated'")
    above = sum(1 for r in in_dtks if (r.welfare_decile or 0) > 4)
    return {"participants": len(news), "expected_mampu": above, "expected_absent": len(outside)}


async def _peak_rss(process: psutil.Process, peak: list[int], stop: asyncio.Event) -> None:
    """``peak``: [this process's peak RSS, its parse workers' (app.snapshot_shares) peak
    RSS summed over the workers alive at once]."""
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        workers = 0
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # a worker that just ended
                workers += child.memory_info().rss
        peak[1] = max(peak[1], workers)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.05)


async def snapshot_bench(
    rows: int = 1_000_000, *, city_size: int = 20_000, parallel_from_bytes: int | None = None
) -> dict[str, Any]:
    """Reconcile a ``rows``-row snapshot against a city's participants; seconds and RSS.
    ``parallel_from_bytes``: the file size from which worker processes parse it (default:
    the service's, ``SnapshotSettings``)."""
    from enrollment.adapters import run_decisions  # noqa: PLC0415
    from enrollment.app.run_approval import approve_run  # noqa: PLC0415
    from enrollment.app.run_limits import RunLimits  # noqa: PLC0415
    from enrollment.app.snapshots import SnapshotSettings, apply_snapshot  # noqa: PLC0415
    from jkn_contracts import Actor  # noqa: PLC0415

    uploader, approver = (
        Actor(id="act_" + digits * 12, agency="dinsos", kind="person") for digits in ("b1", "b2")
    )
    from enrollment.bootstrap import build_runtime, compose  # noqa: PLC0415
    from jkn_bus import BusSettings  # noqa: PLC0415

    database = f"jkn_bench_snap_{uuid.uuid4().hex[:8]}"
    prefix = f"bsnap{uuid.uuid4().hex[:6]}."
    urls = await ensure_database(ADMIN_URL, database)
    await ensure_topics(BOOTSTRAP, prefix)
    workdir = Path(tempfile.mkdtemp(prefix="jkn-snapshot-bench-"))
    snapshot = workdir / "dtks_snapshot.csv"
    runtime = build_runtime(
        BusSettings(
            service="enrollment",
            database_url=urls["enrollment"],
            jkn_topic_prefix=prefix,
            kafka_bootstrap_servers=BOOTSTRAP,
            jkn_pseudonym_key=PSEUDONYM_KEY,
        )
    )
    try:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603, ASYNC221 - our own generator, before the measurement
            [
                sys.executable,
                "-m",
                "jkn_city",
                "snapshot",
                "--seed",
                str(_SEED),
                "--rows",
                str(rows),
                "--city-size",
                str(city_size),
                "--out",
                str(snapshot),
            ],
            check=True,
            capture_output=True,
        )
        generated_s = time.perf_counter() - started
        await runtime.start()
        enrolled = await _enrol_city(runtime, city_size, outside_dtks=city_size // 20)
        process, peak, stop = psutil.Process(), [0, 0], asyncio.Event()
        rss_before = process.memory_info().rss
        sampler = asyncio.create_task(_peak_rss(process, peak, stop))
        started = time.perf_counter()
        stores = compose().stores
        settings = SnapshotSettings()
        if parallel_from_bytes is not None:
            settings = dataclasses.replace(settings, parallel_from_bytes=parallel_from_bytes)
        outcome = await apply_snapshot(
            runtime, snapshot, settings, uploader, RunLimits(1.0, 0.0), stores=stores
        )
        previewed_s = time.perf_counter() - started
        approved = await approve_run(
            runtime, run_decisions, outcome.run_id, approver, stores=stores
        )
        seconds = time.perf_counter() - started
        stop.set()
        await sampler
        async with runtime.pool.acquire() as conn:
            candidates = await conn.fetchval("SELECT count(*) FROM candidates")
        return {
            "rows": rows,
            "file_mb": round(snapshot.stat().st_size / 1e6, 1),
            "generate_seconds": round(generated_s, 2),
            "seconds": round(seconds, 2),
            "preview_seconds": round(previewed_s, 2),
            "approve_seconds": round(seconds - previewed_s, 2),
            "rows_per_s": round(rows / seconds),
            "peak_rss_mb": round(peak[0] / 2**20, 1),
            "workers_peak_rss_mb": round(peak[1] / 2**20, 1),
            "rss_before_mb": round(rss_before / 2**20, 1),
            "rows_valid": outcome.rows_valid,
            "rows_invalid": outcome.rows_invalid,
            "requests_emitted": approved.requests_emitted,
            "candidates": candidates,
            **enrolled,
        }
    finally:
        with contextlib.suppress(RuntimeError):
            await runtime.stop()
        snapshot.unlink(missing_ok=True)
        workdir.rmdir()  # noqa: ASYNC240 - two metadata calls at the end
        conn = await asyncpg.connect(ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()


if __name__ == "__main__":
    import json

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(json.dumps(asyncio.run(snapshot_bench(count)), indent=1))
