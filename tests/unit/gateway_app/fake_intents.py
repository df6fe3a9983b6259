"""The intents table in memory and the worker's attempts over it, no I/O."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any, cast

from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import Intent, Operation
from bpjs_gateway.app.worker import attempt
from jkn_bus import UnitOfWork
from jkn_contracts import EventBase


class FakeUnitOfWork(UnitOfWork):
    """A unit of work whose outbox is a list."""

    def __init__(self, cause: EventBase | None = None) -> None:
        super().__init__(cast(Any, None), topic_prefix="", cause=cause)

    async def emit(self, event: EventBase) -> None:
        self.emitted.append(event)


class FakeIntents:
    """The intents table in memory, as the consumer records and the worker settles them.

    Outcomes are recorded in ``uow`` (the test's unit of work); ``crash_recording`` makes
    that many outcome transactions fail, as a crash between the call and the commit would.
    """

    def __init__(self) -> None:
        self.rows: dict[int, Intent] = {}
        self.state: dict[int, str] = {}
        self.outcome: dict[int, str] = {}
        self.uow: UnitOfWork | None = None
        self.crash_recording = 0

    async def record(self, *, cause: Any, operation: Operation, tgl_berlaku: Any = None) -> bool:
        if any(
            i.cause.event_id == cause.event_id and i.operation == operation
            for i in self.rows.values()
        ):
            return False
        n = len(self.rows) + 1
        self.rows[n] = Intent(
            n, cause.participant_id, operation, cause, uuid.uuid4(), tgl_berlaku, 0, False
        )
        self.state[n] = "pending"
        return True

    async def cancel_open(self, participant_id: str) -> int:
        open_ = [
            n
            for n, i in self.rows.items()
            if i.participant_id == participant_id and self.state[n] in ("pending", "in_flight")
        ]
        for n in open_:
            self.state[n] = "cancelled"
        return len(open_)

    async def claim(
        self, operations: Sequence[str], limit: int, *, busy: Collection[str]
    ) -> list[Intent]:
        heads: dict[str, int] = {}
        for n, i in sorted(self.rows.items()):
            if self.state[n] in ("pending", "in_flight"):
                heads.setdefault(i.participant_id, n)
        due = [
            n
            for n in heads.values()
            if self.state[n] == "pending"
            and self.rows[n].operation in operations
            and self.rows[n].participant_id not in busy
        ]
        claimed = []
        for n in due[:limit]:
            self.rows[n] = dataclasses.replace(self.rows[n], attempts=self.rows[n].attempts + 1)
            self.state[n] = "in_flight"
            claimed.append(self.rows[n])
        return claimed

    @contextlib.asynccontextmanager
    async def reading(self, intent: Intent) -> AsyncIterator[UnitOfWork]:
        yield FakeUnitOfWork(intent.cause)

    @contextlib.asynccontextmanager
    async def recording(self, intent: Intent, outcome: str) -> AsyncIterator[UnitOfWork | None]:
        if self.crash_recording:
            self.crash_recording -= 1
            raise ConnectionResetError
        ours = (
            self.state[intent.id] == "in_flight"
            and self.rows[intent.id].attempts == intent.attempts
        )
        yield (self.uow or FakeUnitOfWork(intent.cause)) if ours else None
        if ours:  # committed: done with its outcome (an exception above leaves it in flight)
            self.state[intent.id] = "done"
            self.outcome[intent.id] = outcome

    async def retry(
        self, intent: Intent, *, delay_s: float, unknown: bool, error: str, counted: bool
    ) -> None:
        row = self.rows[intent.id]
        self.rows[intent.id] = dataclasses.replace(
            row,
            outcome_unknown=row.outcome_unknown or unknown,
            attempts=row.attempts - (0 if counted else 1),
        )
        self.state[intent.id] = "pending"
        self.outcome[intent.id] = error

    def of(self, participant_id: str) -> list[tuple[str, str]]:
        """(operation, state) of the participant's intents, in the order recorded."""
        return [
            (i.operation, self.state[n])
            for n, i in sorted(self.rows.items())
            if i.participant_id == participant_id
        ]


async def drain(deps: Dependencies, uow: UnitOfWork) -> list[str]:
    """Carry out every due intent as the worker would, outcomes recorded in ``uow``; stops
    at the first failed attempt (the worker would try again later)."""
    queue = deps.intents(uow)
    assert isinstance(queue, FakeIntents)
    queue.uow = uow
    outcomes: list[str] = []
    while claimed := await queue.claim(["tambah", "kurang", "lookup"], 100, busy=()):
        for intent in claimed:
            outcomes.append(await attempt(intent, deps, queue, retry_base_s=0.01, retry_max_s=0.01))
        if "retry" in outcomes or "waiting" in outcomes:
            break
    return outcomes
