"""Quarterly reconciliation, registry side: a DTKS/DTSEN snapshot diffed against proposals.

A snapshot has up to a million rows, so it is never inserted row by row: the file is
parsed as a stream and fed to a binary COPY into a staging table; the diff is SQL.

1. ONE transaction, the preview: the run row, the COPY, the line errors, the diff
   (deactivation requests of absent and no-longer-poor participants, stored, not sent),
   the candidates and ``ReconciliationRunPreviewed``. A crash here leaves nothing: the same
   file uploaded again starts over. A snapshot with no rows, cut mid-row, with far fewer
   rows than the last approved one, or deactivating more than the allowed share of
   participants is refused and this transaction rolled back (``app.run_limits``).
2. Once a second Dinsos officer approves the run (``app.run_approval``), the requests'
   events are emitted in batches, one transaction each (``emit_run``). A crash between
   batches leaves the run 'emitting': the same file uploaded again finishes the remaining
   batches; the unique (run_id, participant_id) and the per-request ``emitted_at`` mean no
   request is stored or sent twice.

Who acted: the run row keeps the uploading caller's actor (the preview's) and the approving
officer's, whom every request of the run carries (``emit_run``); its candidates are
proposed in batches a second officer approves (``app.refills``).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

from jkn_bus.service import ServiceRuntime
from jkn_contracts import Actor

from enrollment.app.findings_file import ends_with_line_break
from enrollment.app.reconciliation import (
    RunOutcome,
    resume,
    state_preview,
)
from enrollment.app.run_limits import (
    RunLimits,
    check_rows,
    check_snapshot_rows,
    truncated,
)
from enrollment.app.run_ports import RunStores
from enrollment.app.snapshot_file import (
    SnapshotParse,
    check_header,
    file_fingerprint,
    file_tail,
)
from enrollment.app.snapshot_shares import ParallelParse
from enrollment.domain.snapshot import Seal
from enrollment.domain.status import SNAPSHOT_STATUSES
from enrollment.settings import candidate_columns, service_keys

__all__ = ["REFILL_PROPOSER", "SnapshotSettings", "apply_snapshot"]

SNAPSHOT_REPORTER = "dtks-snapshot"
REFILL_PROPOSER = "dinsos-registry-refill"


@dataclass(frozen=True)
class SnapshotSettings:
    eligible_deciles: tuple[int, ...] = (1, 2, 3, 4)
    emit_batch: int = 500
    max_stored_errors: int = 10_000  # lines; every invalid line is still counted
    parse_processes: int = 2  # a file of ``parallel_from_bytes`` or more: app.snapshot_shares
    parallel_from_bytes: int = 16 << 20  # below, starting the processes costs more than it saves
    work_mem_mb: int = 256  # Postgres's memory per sort or hash while loading (load_staging)


def _parse(
    path: Path, key: str, settings: SnapshotSettings, limits: RunLimits, seal: Seal
) -> SnapshotParse | ParallelParse:
    """One parse in this process, or ``parse_processes`` workers for a large file."""
    args = (path, key, settings.max_stored_errors, limits.max_cell_chars)
    if settings.parse_processes > 1 and path.stat().st_size >= settings.parallel_from_bytes:
        return ParallelParse(
            *args,
            eligible=settings.eligible_deciles,
            seal=seal,
            processes=settings.parse_processes,
        )
    return SnapshotParse(*args, eligible=settings.eligible_deciles, seal=seal)


async def apply_snapshot(
    runtime: ServiceRuntime,
    path: Path,
    settings: SnapshotSettings,
    actor: Actor | None = None,
    limits: RunLimits | None = None,
    *,
    stores: RunStores,
) -> RunOutcome:
    """Load and diff a snapshot CSV (nik,kk,name,sex,birth_date,kelurahan,welfare_decile)
    into a preview: nothing is sent until another officer approves it.

    Raises FileRejected for a bad header or encoding, RunRefused (nothing stored) for a
    snapshot with no rows, cut mid-row, with fewer rows than ``min_snapshot_row_ratio`` of
    the last approved one's, or deactivating more than ``max_deactivation_share`` of the
    current participants. The same file again answers its earlier run (finishing an
    approved run's emission a crash interrupted). ``stores``: those ``bootstrap`` wired.
    """
    limits = limits or RunLimits()
    store, sql = stores.runs, stores.snapshots
    check_header(path, max_cell_chars=limits.max_cell_chars)
    fingerprint = await asyncio.to_thread(file_fingerprint, path)
    earlier = await store.find_run(runtime.pool, "snapshot", fingerprint)
    if earlier is None:
        personal = candidate_columns(runtime.settings.database_url)
        await service_keys(runtime.settings.database_url).pin(runtime.pool)  # committed first
        run_id = uuid.uuid4()
        key = runtime.settings.jkn_pseudonym_key
        async with runtime.unit_of_work(actor=actor) as uow:
            conn = uow.conn
            if await store.create_run(
                conn, run_id, "snapshot", fingerprint, settings.eligible_deciles, actor=actor
            ):
                seal = await sql.candidate_sealer(conn, run_id, personal)
                parse = _parse(path, key, settings, limits, seal)
                await sql.load_staging(conn, parse.records(), work_mem_mb=settings.work_mem_mb)
                check_rows(parse.read)
                if not parse.last_valid and not ends_with_line_break(
                    await asyncio.to_thread(file_tail, path)
                ):
                    raise truncated(parse.last_line)
                check_snapshot_rows(parse.read, await store.last_snapshot_rows(conn), limits)
                await store.insert_errors(conn, run_id, parse.errors)
                await store.save_counts(
                    conn, run_id, read=parse.read, valid=parse.valid, invalid=parse.invalid
                )
                await sql.diff_into_requests(
                    conn,
                    run_id,
                    statuses=SNAPSHOT_STATUSES,
                    max_eligible=max(settings.eligible_deciles),
                    evidence=f"DTKS:{fingerprint[:16]}",
                    reported_by=SNAPSHOT_REPORTER,
                )
                planned = await state_preview(
                    uow,
                    run_id,
                    "snapshot",
                    rows_read=parse.read,
                    participants=await store.count_participants(conn),
                    limits=limits,
                    stores=stores,
                )
                candidates = await sql.keep_candidates(conn, run_id, settings.eligible_deciles)
            else:
                earlier = await store.find_run(conn, "snapshot", fingerprint)
        if earlier is None:
            return RunOutcome(
                run_id,
                already_applied=False,
                rows_read=parse.read,
                rows_valid=parse.valid,
                rows_invalid=parse.invalid,
                deactivations=planned,
                errors=parse.errors[:100],
                details={"candidates": candidates},
            )
    return await resume(runtime, earlier, batch=settings.emit_batch, stores=stores)
