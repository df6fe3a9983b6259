"""Enrollment's own stores of personal data are purged when their period is over:
reconciliation candidates 90 days after their snapshot, upload spool files a stopped
process left behind after a day; the runtime purges them with the bus's tables."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from enrollment.adapters.retention import enrollment_stores
from enrollment.adapters.snapshots import candidates_partition
from jkn_bus import ServiceRuntime, metrics
from jkn_bus.retention import DAY_S, RetentionPurger, RetentionSettings

pytestmark = pytest.mark.infra

KEPT = RetentionSettings()  # candidates 90 days, spool files 1 day


async def _run_with_candidates(runtime: ServiceRuntime, *, age_days: float, n: int) -> uuid.UUID:
    run_id = uuid.uuid4()
    await runtime.pool.execute(
        "INSERT INTO reconciliation_runs (run_id, kind, fingerprint, status, received_at)"
        " VALUES ($1, 'snapshot', $2, 'completed', now() - make_interval(secs => $3))",
        run_id,
        uuid.uuid4().hex,
        age_days * DAY_S,
    )
    # the run's partition, as a snapshot's preview makes it (adapters.snapshots)
    partition = candidates_partition(run_id)
    await runtime.pool.execute(
        f"CREATE TABLE {partition} PARTITION OF candidates FOR VALUES IN ('{run_id}')"
    )
    for i in range(n):
        await runtime.pool.execute(
            "INSERT INTO candidates (run_id, participant_id, line, nik, kk, name, sex,"
            " birth_date, kelurahan, welfare_decile)"
            " VALUES ($1, $2, $3, $4, '1571010101010001', 'Warga Contoh', 'P', '1990-01-01',"
            " '1571011001', 1)",
            run_id,
            f"p_{uuid.uuid4().hex}",
            i + 2,
            f"15710101019{i:05d}",
        )
    return run_id


def _spool(directory: Path, name: str, *, age_days: float) -> Path:
    path = directory / name
    path.write_text("nik,name\n")
    then = time.time() - age_days * DAY_S
    os.utime(path, (then, then))
    return path


async def test_candidates_older_than_a_quarter_and_abandoned_spool_files_are_purged(
    runtime: ServiceRuntime, tmp_path: Path
) -> None:
    old_run = await _run_with_candidates(runtime, age_days=91, n=5)
    young_run = await _run_with_candidates(runtime, age_days=89, n=2)
    abandoned = _spool(tmp_path, "jkn-import-abc.csv", age_days=2)
    abandoned_snapshot = _spool(tmp_path, "jkn-snapshot-abc.csv", age_days=1.5)
    in_use = _spool(tmp_path, "jkn-import-def.csv", age_days=0.1)
    not_ours = _spool(tmp_path, "other.csv", age_days=10)
    purger = RetentionPurger(
        runtime.pool,
        enrollment_stores(KEPT, spool=tmp_path),
        service="enrollment-test",
        schema="enrollment",
        batch=2,
    )

    report = await purger.purge_once()

    assert report == {"candidates": 5, "spool_files": 2}
    left = await runtime.pool.fetch("SELECT DISTINCT run_id FROM candidates")
    assert old_run not in {r["run_id"] for r in left}
    assert young_run in {r["run_id"] for r in left}
    assert (
        await runtime.pool.fetchval(
            "SELECT count(*) FROM reconciliation_runs WHERE run_id = $1", old_run
        )
        == 1
    ), "the run itself (counts, no personal data) stays for the report"
    assert not abandoned.exists()
    assert not abandoned_snapshot.exists()
    assert in_use.exists()
    assert not_ours.exists()
    oldest = metrics.RETENTION_OLDEST.labels("enrollment-test", "candidates")._value.get()
    assert 89 * DAY_S < oldest < 90 * DAY_S
    assert metrics.RETENTION_PURGED.labels("enrollment-test", "spool_files")._value.get() == 2


def test_the_running_service_purges_its_own_stores_with_the_bus_tables(
    runtime: ServiceRuntime,
) -> None:
    names = [store.name for store in runtime.purger.stores]
    assert names == ["outbox", "inbox", "dead_letters", "candidates", "spool_files"]
