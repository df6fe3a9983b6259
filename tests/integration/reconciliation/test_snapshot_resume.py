"""A snapshot run that crashes between emission batches finishes on the next upload,
without asking twice for anyone."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from enrollment.adapters import reconciliation as store
from enrollment.app import snapshots
from enrollment.app.reconciliation import emit_requests
from enrollment.app.snapshots import SnapshotSettings, apply_snapshot
from integration.enrollment.residents import resident
from integration.reconciliation.conftest import BOOTSTRAP
from integration.reconciliation.helpers import SNAPSHOT_COLUMNS, csv_of, enrol, requests
from jkn_bus import ServiceRuntime
from support.polling import eventually

pytestmark = pytest.mark.infra


class Crash(Exception):
    pass


async def test_a_crash_between_batches_is_finished_by_uploading_the_same_file(
    client: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pids = await enrol(runtime, range(400, 430), "activated")
    content = csv_of(
        SNAPSHOT_COLUMNS, [{**resident(n), "welfare_decile": "3"} for n in range(400, 410)]
    )
    (tmp_path / "dtks.csv").write_bytes(content)
    real_emit_run = snapshots.emit_run

    async def one_batch_then_crash(rt: ServiceRuntime, run_id: uuid.UUID, *, batch: int) -> int:
        async with rt.unit_of_work() as uow:  # the first batch, as emit_run does it
            rows = await store.unemitted_batch(uow.conn, run_id, batch)
            await store.lock_proposals(uow.conn, [r["participant_id"] for r in rows])
            await emit_requests(uow, rows, correlation_id=run_id)
        raise Crash

    monkeypatch.setattr(snapshots, "emit_run", one_batch_then_crash)
    with pytest.raises(Crash):
        await apply_snapshot(runtime, tmp_path / "dtks.csv", SnapshotSettings(emit_batch=7))
    monkeypatch.setattr(snapshots, "emit_run", real_emit_run)

    again = await client.post("/reconciliation/snapshots", files={"file": ("dtks.csv", content)})

    assert again.status_code == 200, again.text
    assert again.json()["already_applied"] is True
    assert again.json()["resumed_emission"] == 20 - 7
    absent = {pids[n] for n in range(410, 430)}

    async def all_asked() -> list[Any]:
        found = [e for e in await requests(BOOTSTRAP, topic_prefix) if e.participant_id in absent]
        return found if len(found) >= 20 else []

    asked = await eventually(all_asked, timeout=30)
    assert sorted(e.participant_id for e in asked) == sorted(absent)
    report = (await client.get(f"/reconciliation/runs/{again.json()['run_id']}")).json()
    assert report["status"] == "completed"
    assert report["requests"] == {
        "emitted": 20,
        "planned": 20,
        "by_reason": {"tidak_ditemukan": 20},
        "by_kelurahan": {resident(400)["kelurahan"]: 20},
    }
