"""CSV imports of proposals, run in the background in chunks that survive a crash.

Each chunk of rows is ONE transaction: its new proposals, their ParticipantRegistered
events (outbox), its line errors and the import's progress (``last_committed_line``).
A crash loses at most the chunk in flight, and the progress row says exactly which lines
are applied. Uploading the same file again continues after that line: the applied
lines' report is copied, not redone. Exact-NIK dedup (the unique participant_id) makes
even a blind re-run safe: an applied row whose proposal is still open comes back as
ALREADY_PROPOSED.

Who proposed: the caller who uploaded the file (``actor``). The import's row keeps it, and
so does each proposal it makes and each ParticipantRegistered, in every chunk.

Who owns a running import: the task holds a session advisory lock on its connection
for the whole run. If the process dies, Postgres drops the lock with the connection;
``reap`` (at start-up, then every ``ENROLLMENT_IMPORT_REAP_INTERVAL_S`` on every replica)
marks every 'running' import whose lock it can take as 'interrupted' (a replica still
running its import keeps the lock, and its import is left alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus import UnitOfWork
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import resident_trace
from jkn_contracts import Actor

from enrollment.adapters import imports as store
from enrollment.adapters.proposals import NewProposal, existing_ids, insert_many
from enrollment.app.proposals import new_proposal, registered_event
from enrollment.domain import HeaderError, ImportReport, LineError, Proposal, iter_rows, outcome_of
from enrollment.domain import validate_proposal as validate
from enrollment.settings import csv_max_cell_chars, receipt_key

__all__ = ["ImportRunner", "check_header", "import_lock_key"]

log = logging.getLogger(__name__)


def import_lock_key(import_id: uuid.UUID) -> int:
    """The session advisory lock its owner holds while an import runs."""
    return int.from_bytes(
        hashlib.sha256(f"import:{import_id}".encode()).digest()[:8], "big", signed=True
    )


def _open(path: Path):  # type: ignore[no-untyped-def]
    return path.open(encoding="utf-8", newline="")


def check_header(path: Path) -> list[LineError]:
    """The header's problems (as line-1 errors), before an import is accepted."""
    try:
        with _open(path) as text:
            next(iter_rows(text, max_cell_chars=csv_max_cell_chars()), None)
    except HeaderError as exc:
        return [LineError(1, e.field, e.rule, e.message) for e in exc.errors]
    except UnicodeDecodeError:
        return [LineError(1, "file", "ENCODING", _ENCODING_MESSAGE)]
    return []


_ENCODING_MESSAGE = (
    "The file is not UTF-8 text; save it as 'CSV UTF-8'. / "
    "Berkas bukan teks UTF-8; simpan sebagai 'CSV UTF-8'."
)


@dataclass(frozen=True)
class _Proposer:
    """Who an import's proposals are by: the name given (``proposed_by``) and the
    authenticated caller who uploaded the file."""

    name: str
    actor: Actor | None


@dataclass
class _Chunk:
    proposals: list[tuple[int, Proposal]] = field(default_factory=list)
    errors: list[store.StoredError] = field(default_factory=list)


class ImportRunner:
    """Starts imports as background tasks; ``stop`` marks the unfinished ones interrupted."""

    def __init__(self, runtime: ServiceRuntime, *, chunk_rows: int = 500) -> None:
        self._runtime = runtime
        self._chunk_rows = chunk_rows
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def start(
        self, path: Path, *, sha256: str, proposed_by: str, actor: Actor | None = None
    ) -> uuid.UUID:
        """Register the import, take its lock and start it; the file is removed when done.
        ``actor``: who uploaded it, the proposer of every proposal it makes."""
        import_id = uuid.uuid4()
        pooled = await self._runtime.pool.acquire()
        # the proxy forwards every call to its Connection (as in jkn_bus.UnitOfWork)
        conn = cast(asyncpg.Connection, pooled)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", import_lock_key(import_id))
            async with conn.transaction():
                previous = await store.latest_with_content(conn, sha256)
                progress, resumed_from = store.Progress(), None
                if previous is not None and previous["status"] == "interrupted":
                    resumed_from = previous["import_id"]
                    progress = store.Progress(
                        previous["lines_read"],
                        previous["accepted"],
                        previous["rejected"],
                        previous["duplicates"],
                        previous["warnings"],
                        previous["last_committed_line"],
                    )
                await store.create(
                    conn,
                    import_id,
                    proposed_by=proposed_by,
                    sha256=sha256,
                    resumed_from=resumed_from,
                    progress=progress,
                    actor=actor,
                )
                if resumed_from is not None:
                    await store.copy_errors(
                        conn, resumed_from, import_id, progress.last_committed_line
                    )
        except BaseException:
            await self._runtime.pool.release(pooled)
            raise
        task = asyncio.create_task(
            self._run(pooled, import_id, path, _Proposer(proposed_by, actor), progress)
        )
        self.tasks[import_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(import_id, None))
        return import_id

    async def _run(
        self,
        pooled: PoolConnectionProxy[Any],
        import_id: uuid.UUID,
        path: Path,
        proposed_by: _Proposer,
        progress: store.Progress,
    ) -> None:
        conn = cast(asyncpg.Connection, pooled)  # as in start
        try:
            await self._apply_file(conn, import_id, path, proposed_by, progress)
            await store.finish(conn, import_id, "completed")
            log.info(
                "import completed", extra={"import_id": str(import_id), "rows": progress.lines_read}
            )
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(store.finish(self._runtime.pool, import_id, "interrupted"))
            raise
        except HeaderError as exc:
            await store.insert_errors(
                conn,
                import_id,
                [store.StoredError(LineError(1, e.field, e.rule, e.message)) for e in exc.errors],
            )
            await store.finish(conn, import_id, "failed", "HEADER: the header row is not valid")
        except UnicodeDecodeError:
            await store.finish(conn, import_id, "failed", "ENCODING: " + _ENCODING_MESSAGE)
        except Exception as exc:
            # Only the type: an exception's text may quote a value from the file.
            log.exception(
                "import failed (%s)", type(exc).__name__, extra={"import_id": str(import_id)}
            )
            with contextlib.suppress(Exception):
                await store.finish(self._runtime.pool, import_id, "failed", type(exc).__name__)
        finally:
            path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call
            await self._runtime.pool.release(pooled)

    async def _apply_file(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        path: Path,
        proposed_by: _Proposer,
        progress: store.Progress,
    ) -> None:
        skip_to = progress.last_committed_line
        report = ImportReport()
        chunk = _Chunk()
        rows_in_chunk, last_line = 0, skip_to
        with _open(path) as text:
            for line_no, row in iter_rows(text, max_cell_chars=csv_max_cell_chars()):
                last_line = max(last_line, line_no)
                outcome = outcome_of(row, lambda r: validate(r, strict=False))
                accepted = report.record(line_no, outcome, surplus=row.surplus)
                line_errors, line_warnings = list(report.errors), list(report.warnings)
                report.errors.clear()
                report.warnings.clear()
                if line_no <= skip_to:
                    # Applied by the interrupted import; replayed only to know the file's NIKs.
                    continue
                progress.lines_read += 1
                chunk.errors += [store.StoredError(e) for e in line_errors]
                chunk.errors += [store.StoredError(w, "warning") for w in line_warnings]
                progress.warnings += len(line_warnings)
                if accepted is not None:
                    chunk.proposals.append((line_no, accepted))
                elif any(e.rule == "DUPLICATE_IN_FILE" for e in line_errors):
                    progress.duplicates += 1
                else:
                    progress.rejected += 1
                rows_in_chunk += 1
                if rows_in_chunk >= self._chunk_rows:
                    await self._commit(
                        conn=conn,
                        import_id=import_id,
                        proposed_by=proposed_by,
                        chunk=chunk,
                        progress=progress,
                        last_line=line_no,
                    )
                    chunk, rows_in_chunk = _Chunk(), 0
            await self._commit(
                conn=conn,
                import_id=import_id,
                proposed_by=proposed_by,
                chunk=chunk,
                progress=progress,
                last_line=last_line,
            )

    async def _commit(
        self,
        *,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        proposed_by: _Proposer,
        chunk: _Chunk,
        progress: store.Progress,
        last_line: int,
    ) -> None:
        """Apply one chunk (rows up to ``last_line``) in one transaction."""
        key = self._runtime.settings.jkn_pseudonym_key
        news = [
            new_proposal(
                p,
                proposed_by=proposed_by.name,
                pseudonym_key=key,
                receipt_key=receipt_key(),
                import_id=import_id,
                import_line=line,
                actor=proposed_by.actor,
            )
            for line, p in chunk.proposals
        ]
        async with conn.transaction():
            uow = UnitOfWork(
                conn, topic_prefix=self._runtime.settings.jkn_topic_prefix, actor=proposed_by.actor
            )
            inserted = await insert_many(conn, news)
            for new in news:
                if new.proposal_id in inserted:
                    # each imported resident's journey is its own trace, linked to the import
                    with resident_trace(
                        "proposal imported",
                        new.participant_id,
                        attributes={
                            "jkn.import_id": str(import_id),
                            "jkn.import_line": new.import_line or 0,
                        },
                    ):
                        await uow.emit(await registered_event(uow, new))
            errors = chunk.errors + await _already_proposed(
                conn, [n for n in news if n.proposal_id not in inserted]
            )
            progress.accepted += len(inserted)
            progress.duplicates += len(news) - len(inserted)
            await store.insert_errors(conn, import_id, errors)
            progress.last_committed_line = last_line
            await store.save_progress(conn, import_id, progress)

    async def reap(self) -> list[uuid.UUID]:
        """Mark 'running' imports whose owner is gone as 'interrupted' (at start-up)."""
        pool = self._runtime.pool
        reaped = []
        async with pool.acquire() as pooled:
            conn = cast(asyncpg.Connection, pooled)  # as in start
            for row in await conn.fetch("SELECT import_id FROM imports WHERE status = 'running'"):
                key = import_lock_key(row["import_id"])
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    try:
                        await store.finish(conn, row["import_id"], "interrupted")
                        reaped.append(row["import_id"])
                    finally:
                        await conn.execute("SELECT pg_advisory_unlock($1)", key)
        if reaped:
            log.warning("imports left by a stopped process, now interrupted: %d", len(reaped))
        return reaped

    async def reap_periodically(self, interval_s: float) -> None:
        """``reap`` every ``interval_s`` seconds: an import whose replica died is reported
        'interrupted' by the replicas still alive, without waiting for a restart."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.reap()
            except Exception as exc:
                # The class only: a database error's text may quote row values.
                log.error("reaping orphaned imports failed (%s)", type(exc).__name__)

    async def stop(self) -> None:
        """Cancel running imports; each marks itself 'interrupted' (re-upload to continue)."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _already_proposed(
    conn: asyncpg.Connection, news: list[NewProposal]
) -> list[store.StoredError]:
    """ALREADY_PROPOSED errors for rows whose NIK an earlier proposal holds."""
    existing = await existing_ids(conn, [n.participant_id for n in news])
    return [
        store.StoredError(
            LineError(
                n.import_line or 0,
                "nik",
                "ALREADY_PROPOSED",
                "This NIK is already proposed; see existing_proposal_id. / "
                "NIK ini sudah diusulkan; lihat existing_proposal_id.",
            ),
            existing_proposal_id=existing.get(n.participant_id),
        )
        for n in news
    ]
