"""Approved CSV imports of proposals, run in the background in chunks that survive a crash.

An upload is a preview (``app.import_preview``); a second Dinsos officer approves it
(``approve``: ``app.import_decisions``), and only then does it run. Each chunk of rows is
ONE transaction: its new proposals, their ParticipantRegistered events (outbox), its line
errors and the import's progress (``last_committed_line``). A crash loses at most the chunk
in flight (``app.import_reaper`` marks the import 'interrupted'). The same file uploaded
and approved again continues after that line: the applied lines' report is copied, not
redone. Exact-NIK dedup (the unique participant_id) makes even a blind re-run safe: an
applied row whose proposal is still open comes back as ALREADY_PROPOSED.

Who proposed: the caller who uploaded the file (``actor``), not the approver. The import's
row keeps it, and so does each proposal it makes and each ParticipantRegistered.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from jkn_bus import UnitOfWork
from jkn_bus.db import keeps_session_state
from jkn_bus.service import ServiceRuntime
from jkn_bus.telemetry import resident_trace
from jkn_bus.unit_of_work import Deferred, flush_deferred
from jkn_contracts import Actor

from enrollment.app.import_decisions import Decision, decide
from enrollment.app.import_preview import ENCODING_MESSAGE, open_csv, spool
from enrollment.app.import_reaper import ImportReaper, import_lock_key
from enrollment.app.ports import ImportStore
from enrollment.app.proposals import NewProposal, new_proposal, registered_event
from enrollment.domain import HeaderError, ImportReport, LineError, Proposal, iter_rows, outcome_of
from enrollment.domain import validate_proposal as validate
from enrollment.domain.csv_import import MAX_CELL_CHARS
from enrollment.domain.import_progress import Progress, StoredError
from enrollment.settings import sealer

__all__ = ["ImportRunner", "import_lock_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Proposer:
    """Who an import's proposals are by: the name given and the uploader (``actor``)."""

    name: str
    actor: Actor | None


@dataclass
class _Chunk:
    proposals: list[tuple[int, Proposal]] = field(default_factory=list)
    errors: list[StoredError] = field(default_factory=list)


class ImportRunner(ImportReaper):
    """Starts approved imports as background tasks; ``stop`` marks the unfinished ones
    interrupted."""

    def __init__(
        self,
        runtime: ServiceRuntime,
        store: ImportStore,
        *,
        receipt_key: str,
        chunk_rows: int = 500,
        max_cell_chars: int = MAX_CELL_CHARS,
    ) -> None:
        self._runtime, self._store, self._receipt_key = runtime, store, receipt_key
        self._chunk_rows, self._max_cell_chars = chunk_rows, max_cell_chars
        self.tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def approve(self, import_id: uuid.UUID, actor: Actor) -> Decision:
        """Approve the preview ``import_id`` by ``actor`` (a second officer: ``decide``) and
        start it: take its lock, state the decision, mark it running, and apply its file in
        the background. The same file after an interrupted import continues after the line
        that one applied. Raises ImportNotFound, NotAPreview, SamePerson."""
        pooled = await self._runtime.pool.acquire()
        # the proxy forwards every call to its Connection (as in jkn_bus.UnitOfWork)
        conn = cast(asyncpg.Connection, pooled)
        path: Path | None = None
        try:
            keeps_session_state(conn)
            await conn.execute("SELECT pg_advisory_lock($1)", import_lock_key(import_id))
            async with conn.transaction():
                decision = await decide(
                    self._runtime, self._store, conn, import_id, actor, approve=True
                )
                progress = await self._resume(conn, import_id, decision.sha256)
                path = await asyncio.to_thread(spool, decision.content or "")
        except BaseException:
            if path is not None:
                path.unlink(missing_ok=True)
            await self._runtime.pool.release(pooled)
            raise
        proposer = _Proposer(decision.proposed_by, decision.uploader)
        task = asyncio.create_task(self._run(pooled, import_id, path, proposer, progress))
        self.tasks[import_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(import_id, None))
        return decision

    async def _resume(
        self, conn: asyncpg.Connection, import_id: uuid.UUID, sha256: str
    ) -> Progress:
        """The progress an approved import starts from: after the lines an interrupted
        import of the same file applied (its report up to there carried over), else none.
        The preview's report is dropped: the run writes it again, ALREADY_PROPOSED too."""
        await self._store.clear_errors(conn, import_id)
        previous = await self._store.latest_run_of(conn, sha256, import_id)
        if previous is None or previous["status"] != "interrupted":
            return Progress()
        progress = Progress(
            previous["lines_read"],
            previous["accepted"],
            previous["rejected"],
            previous["duplicates"],
            previous["warnings"],
            previous["last_committed_line"],
        )
        resumed_from = previous["import_id"]
        await self._store.set_resumed(conn, import_id, resumed_from, progress.last_committed_line)
        await self._store.save_progress(conn, import_id, progress)
        await self._store.copy_errors(conn, resumed_from, import_id, progress.last_committed_line)
        return progress

    async def _run(
        self,
        pooled: PoolConnectionProxy[Any],
        import_id: uuid.UUID,
        path: Path,
        proposed_by: _Proposer,
        progress: Progress,
    ) -> None:
        conn = cast(asyncpg.Connection, pooled)  # as in start
        try:
            await self._apply_file(conn, import_id, path, proposed_by, progress)
            await self._store.finish(conn, import_id, "completed")
            log.info(
                "import completed", extra={"import_id": str(import_id), "rows": progress.lines_read}
            )
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self._store.finish(self._runtime.pool, import_id, "interrupted")
                )
            raise
        except HeaderError as exc:
            await self._store.insert_errors(
                conn,
                import_id,
                [StoredError(LineError(1, e.field, e.rule, e.message)) for e in exc.errors],
            )
            await self._store.finish(
                conn, import_id, "failed", "HEADER: the header row is not valid"
            )
        except UnicodeDecodeError:
            await self._store.finish(conn, import_id, "failed", "ENCODING: " + ENCODING_MESSAGE)
        except Exception as exc:
            # Only the type: an exception's text may quote a value from the file.
            log.exception(
                "import failed (%s)", type(exc).__name__, extra={"import_id": str(import_id)}
            )
            with contextlib.suppress(Exception):
                await self._store.finish(
                    self._runtime.pool, import_id, "failed", type(exc).__name__
                )
        finally:
            path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call
            await self._runtime.pool.release(pooled)

    async def _apply_file(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        path: Path,
        proposed_by: _Proposer,
        progress: Progress,
    ) -> None:
        skip_to = progress.last_committed_line
        report = ImportReport()
        chunk = _Chunk()
        rows_in_chunk, last_line = 0, skip_to
        commit = functools.partial(
            self._commit, conn=conn, import_id=import_id, proposed_by=proposed_by
        )
        with open_csv(path) as text:
            for line_no, row in iter_rows(text, max_cell_chars=self._max_cell_chars):
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
                chunk.errors += [StoredError(e) for e in line_errors]
                chunk.errors += [StoredError(w, "warning") for w in line_warnings]
                progress.warnings += len(line_warnings)
                if accepted is not None:
                    chunk.proposals.append((line_no, accepted))
                elif any(e.rule == "DUPLICATE_IN_FILE" for e in line_errors):
                    progress.duplicates += 1
                else:
                    progress.rejected += 1
                rows_in_chunk += 1
                if rows_in_chunk >= self._chunk_rows:
                    await commit(chunk=chunk, progress=progress, last_line=line_no)
                    chunk, rows_in_chunk = _Chunk(), 0
            await commit(chunk=chunk, progress=progress, last_line=last_line)

    async def _commit(
        self,
        *,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        proposed_by: _Proposer,
        chunk: _Chunk,
        progress: Progress,
        last_line: int,
    ) -> None:
        """Apply one chunk (rows up to ``last_line``) in one transaction."""
        key = self._runtime.settings.jkn_pseudonym_key
        news = [
            new_proposal(
                p,
                proposed_by=proposed_by.name,
                pseudonym_key=key,
                receipt_key=self._receipt_key,
                import_id=import_id,
                import_line=line,
                actor=proposed_by.actor,
            )
            for line, p in chunk.proposals
        ]
        async with conn.transaction():
            deferred: Deferred = []  # the chunk's outbox rows: one statement before it commits
            prefix = self._runtime.settings.jkn_topic_prefix
            uow = UnitOfWork(conn, topic_prefix=prefix, actor=proposed_by.actor, deferred=deferred)
            # the chunk's residents' keys in one statement, for their rows and their events
            keys = await sealer().keyring.create_many(conn, [n.participant_id for n in news])
            inserted = await self._store.insert_many(conn, news, keys=keys)
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
                        await uow.emit(
                            await registered_event(uow, new, dek=keys[new.participant_id])
                        )
            errors = chunk.errors + await self._already_proposed(
                conn, [n for n in news if n.proposal_id not in inserted]
            )
            progress.accepted += len(inserted)
            progress.duplicates += len(news) - len(inserted)
            await self._store.insert_errors(conn, import_id, errors)
            progress.last_committed_line = last_line
            await self._store.save_progress(conn, import_id, progress)
            await flush_deferred(conn, deferred)

    async def _already_proposed(
        self, conn: asyncpg.Connection, news: list[NewProposal]
    ) -> list[StoredError]:
        """ALREADY_PROPOSED errors for rows whose NIK an earlier proposal holds."""
        existing = await self._store.existing_ids(conn, [n.participant_id for n in news])
        return [
            StoredError(
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
