"""An approved snapshot run that crashes between emission batches finishes on the next
upload, without asking twice for anyone."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import httpx
import pytest
from enrollment.adapters import reconciliation as store
from enrollment.adapters import run_requests
from enrollment.app import run_approval
from enrollment.app.reconciliation import emit_requests
from enrollment.app.run_ports import RunStores
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
    approver: httpx.AsyncClient,
    runtime: ServiceRuntime,
    topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pids = await enrol(runtime, range(400, 430), "activated")
    content = csv_of(
        SNAPSHOT_COLUMNS, [{**resident(n), "welfare_decile": "3"} for n in range(400, 410)]
    )
    preview = await client.post("/reconciliation/snapshots", files={"file": ("dtks.csv", content)})
    assert preview.status_code == 201, preview.text
    run_id = uuid.UUID(preview.json()["run_id"])
    real_emit_run = run_approval.emit_run

    async def one_batch_then_crash(
        rt: ServiceRuntime, run_id: uuid.UUID, *, batch: int, stores: RunStores
    ) -> int:
        actor, cause = await store.emission_actor(rt.pool, run_id)
        async with rt.unit_of_work(actor=actor) as uow:  # the first batch, as emit_run does
            rows = await run_requests.unemitted_batch(uow.conn, run_id, 7)
            await run_requests.lock_proposals(uow.conn, [r["participant_id"] for r in rows])
            await emit_requests(uow, rows, correlation_id=run_id, causation_id=cause, stores=stores)
        raise Crash

    monkeypatch.setattr(run_approval, "emit_run", one_batch_then_crash)
    with contextlib.suppress(Crash):  # the approval is stored, its emission crashed
        await approver.post(f"/reconciliation/runs/{run_id}/approve")
    monkeypatch.setattr(run_approval, "emit_run", real_emit_run)
    status = await runtime.pool.fetchval(
        "SELECT status FROM reconciliation_runs WHERE run_id = $1", run_id
    )
    assert status == "emitting"

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
