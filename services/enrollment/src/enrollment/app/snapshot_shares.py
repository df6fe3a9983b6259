"""A large snapshot parsed by several processes at once (``app.snapshots``).

Parsing a million-row snapshot is Python work on one core: reading the CSV, checking each
row, the pseudonym's HMAC, sealing half a million candidates (about 25 s), while Postgres
takes in the COPY on the other core with time to spare. Here ``processes`` worker processes
(``spawn``: a fresh interpreter, nothing of the service's loop, pool or sockets) each read
the whole file as CSV, to number its rows, and parse and seal only their share: the rows
whose number is their index modulo ``processes`` (``domain.csv_import.iter_rows``). They
hand their staging records back in chunks through a bounded queue, and the service copies
them into staging as they come. Their tallies add up to what one ``SnapshotParse`` counts:
lines read, valid and invalid, the first ``max_errors`` line errors in line order, and the
file's last row and whether it was valid (the truncation check).

The candidates' sealing key goes to the workers with their task (``CandidateSeal`` pickles
as its key): they are the service's own processes, on the same machine, and end with the
parse. A worker that fails ends the parse with its exception, one that dies with
``WorkerDied``; either way the loading transaction rolls back and nothing is kept.

A spawned worker imports the program's main module before it starts, as every
``multiprocessing`` child does: a program that calls ``apply_snapshot`` must keep its own
work under ``if __name__ == "__main__":`` (the services' ``__main__`` modules do), or each
worker runs the program again instead of its share.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import queue as queues
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from enrollment.app.snapshot_file import SnapshotParse
from enrollment.domain import LineError
from enrollment.domain.snapshot import Seal

__all__ = ["ParallelParse", "WorkerDied"]

_CHUNK = 5_000  # staging records a worker sends at once
_QUEUED = 8  # chunks waiting in the queue at most (memory: about 8 times 5,000 records)


class WorkerDied(RuntimeError):
    """A parse worker ended without saying why (killed, out of memory)."""


@dataclass(frozen=True)
class _Task:
    path: Path
    pseudonym_key: str
    max_errors: int
    max_cell_chars: int
    eligible: tuple[int, ...]
    seal: Seal | None
    share: tuple[int, int]


@dataclass(frozen=True)
class _Tally:
    read: int
    valid: int
    invalid: int
    last_line: int
    last_valid: bool
    errors: list[LineError]


def _work(task: _Task, out: Any) -> None:
    """A worker: parse the share, send its records in chunks, then its tally (or the
    exception that ended it)."""
    parse = SnapshotParse(
        task.path,
        task.pseudonym_key,
        task.max_errors,
        task.max_cell_chars,
        eligible=task.eligible,
        seal=task.seal,
        share=task.share,
    )
    try:
        chunk: list[tuple[Any, ...]] = []
        for record in parse.rows():
            chunk.append(record)
            if len(chunk) == _CHUNK:
                out.put(("records", chunk))
                chunk = []
        out.put(("records", chunk))
        tally = _Tally(
            parse.read,
            parse.valid,
            parse.invalid,
            parse.last_line,
            parse.last_valid,
            parse.errors,
        )
        out.put(("done", tally))
    except Exception as exc:  # handed to the service, which raises it
        out.put(("failed", exc))


class ParallelParse:
    """``SnapshotParse``'s records and tallies, the rows parsed by ``processes`` workers."""

    def __init__(
        self,
        path: Path,
        pseudonym_key: str,
        max_errors: int,
        max_cell_chars: int,
        *,
        eligible: Collection[int] = (),
        seal: Seal | None = None,
        processes: int = 2,
    ) -> None:
        self._tasks = [
            _Task(
                path,
                pseudonym_key,
                max_errors,
                max_cell_chars,
                tuple(eligible),
                seal,
                (k, processes),
            )
            for k in range(processes)
        ]
        self._max_errors = max_errors
        self.read = self.valid = self.invalid = 0
        self.last_line, self.last_valid = 0, True
        self.errors: list[LineError] = []

    async def records(self) -> AsyncIterator[tuple[Any, ...]]:
        context = multiprocessing.get_context("spawn")
        out = context.Queue(maxsize=_QUEUED)
        workers = [context.Process(target=_work, args=(t, out), daemon=True) for t in self._tasks]
        for worker in workers:
            worker.start()
        try:
            tallies: list[_Tally] = []
            while len(tallies) < len(workers):
                kind, payload = await self._next(out, workers)
                if kind == "records":
                    for record in payload:
                        yield record
                elif kind == "done":
                    tallies.append(payload)
                else:
                    raise payload
            self._add_up(tallies)
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
            for worker in workers:
                await asyncio.to_thread(worker.join)
            out.close()

    @staticmethod
    async def _next(out: Any, workers: list[Any]) -> tuple[str, Any]:
        """The next message of any worker; ``WorkerDied`` once none is left to send one."""
        while True:
            with contextlib.suppress(queues.Empty):
                message: tuple[str, Any] = await asyncio.to_thread(out.get, True, 1.0)
                return message
            if not any(w.is_alive() for w in workers) and out.empty():
                raise WorkerDied("a snapshot parse worker ended without its tally")

    def _add_up(self, tallies: list[_Tally]) -> None:
        self.read = sum(t.read for t in tallies)
        self.valid = sum(t.valid for t in tallies)
        self.invalid = sum(t.invalid for t in tallies)
        last = max(tallies, key=lambda t: t.last_line)
        self.last_line, self.last_valid = last.last_line, last.last_valid
        errors = sorted((e for t in tallies for e in t.errors), key=lambda e: e.line)
        # each worker kept the errors of its first max_errors invalid lines; all of the
        # file's first max_errors invalid lines are among them
        kept_lines = sorted({e.line for e in errors})[: self._max_errors]
        cut = kept_lines[-1] if kept_lines else 0
        self.errors = [e for e in errors if e.line <= cut]
