"""What the app needs of its stores, declared here so ``app/`` imports no adapter
(docs/service-template.md): ``bootstrap`` hands over the adapter modules that implement
these (a module matches a Protocol by its functions)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg
from jkn_contracts import Actor

from enrollment.domain import LineError

__all__ = ["ImportPreviews"]


class ImportPreviews(Protocol):
    """An import's preview and its decision (``adapters.import_previews``)."""

    async def create_preview(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        *,
        proposed_by: str,
        sha256: str,
        actor: Actor | None,
        preview: dict[str, Any],
        sealed: bytes,
    ) -> None: ...

    async def insert_issues(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        issues: Sequence[tuple[LineError, str]],
    ) -> None: ...

    async def clear_errors(self, conn: asyncpg.Connection, import_id: uuid.UUID) -> None: ...

    async def lock(
        self, conn: asyncpg.Connection, import_id: uuid.UUID
    ) -> asyncpg.Record | None: ...

    def uploader_of(self, row: asyncpg.Record) -> Actor | None: ...

    async def latest_run_of(
        self, conn: asyncpg.Connection, sha256: str, other_than: uuid.UUID
    ) -> asyncpg.Record | None: ...

    async def decide(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        status: str,
        actor: Actor,
        event_id: uuid.UUID,
    ) -> None: ...

    async def set_resumed(
        self,
        conn: asyncpg.Connection,
        import_id: uuid.UUID,
        resumed_from: uuid.UUID,
        after_line: int,
    ) -> None: ...

    async def running(self, conn: asyncpg.Connection) -> list[asyncpg.Record]: ...

    async def finish(
        self,
        conn: asyncpg.Connection | asyncpg.Pool,
        import_id: uuid.UUID,
        status: str,
        failure: str | None = None,
    ) -> None: ...
