"""An uploaded CSV of proposals becomes a preview: validated, counted and stored, nothing
proposed (maker-checker: a second Dinsos officer approves it, ``app.import_decisions``).

The whole file is read once at upload (``domain.import_preview``): its line errors and
warnings are stored as the import's report (``GET /imports/{id}/errors``, as before), its
counts (rows, valid, invalid by rule with their first lines, by kelurahan and by source)
are the preview. The file itself waits with the preview, sealed under the service's data
key (``imports.content_sealed``): the approved import reads it, and it is dropped when the
preview is decided.

Some files are refused before anyone is asked (``ImportRefused``, 422 ``rule``; nothing is
stored), because approving them would be a mistake whoever approved:

- ``NO_ROWS``: a header and no data row (an empty export). A file of no bytes at all is
  answered ``EMPTY_FILE`` by the HTTP route.
- ``TRUNCATED_LAST_LINE``: the file does not end with a line break and its last row does
  not validate (the export or the upload was cut mid-row). The proposals CSV declares no
  row count, so a file cut exactly at a line break cannot be told from a shorter file; the
  preview's counts are what the second officer checks against the export.
- ``IMPORT_TOO_LARGE``: more data rows than ``ENROLLMENT_MAX_IMPORT_ROWS`` (50,000): a
  batch that size is split, or the cap raised deliberately.

Every import is previewed, however small: the issue asks a second person for bulk proposals,
and a one-row CSV is still the bulk path (a single resident is proposed with ``POST
/proposals``, which stays as it is).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, cast

import asyncpg
from jkn_bus.at_rest import ServiceColumns
from jkn_bus.service import ServiceRuntime
from jkn_contracts import Actor

from enrollment.app.ports import ImportStore
from enrollment.app.run_limits import RunRefused, check_rows, truncated
from enrollment.domain import HeaderError, LineError, iter_rows
from enrollment.domain.csv_import import MAX_CELL_CHARS
from enrollment.domain.import_preview import ImportPreview, scan_rows
from enrollment.settings import service_keys

__all__ = [
    "MAX_IMPORT_ROWS_ENV",
    "ImportLimits",
    "ImportRefused",
    "NotReadable",
    "Previewed",
    "content_columns",
    "open_csv",
    "preview_import",
    "scan_file",
    "spool",
]

MAX_IMPORT_ROWS_ENV = "ENROLLMENT_MAX_IMPORT_ROWS"

ImportRefused = RunRefused
"""A file refused as a whole (422 with ``rule``), as a reconciliation file is."""

ENCODING_MESSAGE = (
    "The file is not UTF-8 text; save it as 'CSV UTF-8'. / "
    "Berkas bukan teks UTF-8; simpan sebagai 'CSV UTF-8'."
)


class NotReadable(Exception):
    """The header row is not valid, or the file is not UTF-8: 422 with these line-1 errors."""

    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(", ".join(e.rule for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportLimits:
    """The most rows one import may propose (``ENROLLMENT_MAX_IMPORT_ROWS``) and the longest
    cell of its file (``ENROLLMENT_CSV_MAX_CELL_CHARS``), as ``bootstrap`` read them."""

    max_rows: int = 50_000
    max_cell_chars: int = MAX_CELL_CHARS

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"{MAX_IMPORT_ROWS_ENV} must be at least 1")

    def check(self, rows: int) -> None:
        if rows > self.max_rows:
            raise ImportRefused(
                "IMPORT_TOO_LARGE",
                "The file has more rows than one import may propose; split it. / "
                "Berkas melebihi jumlah baris yang boleh diusulkan sekaligus; pecah berkasnya.",
                {"rows": rows, "max_rows": self.max_rows},
            )


@dataclass(frozen=True)
class Previewed:
    import_id: uuid.UUID
    summary: dict[str, Any]


def open_csv(path: Path) -> TextIO:
    """An uploaded CSV as text, its line ends as they are (the csv module reads them)."""
    return path.open(encoding="utf-8", newline="")


def spool(content: str) -> Path:
    """An approved import's file, back from its sealed copy into a spool file (removed when
    the import ends; a stopped process's is purged with the uploads)."""
    fd, name = tempfile.mkstemp(prefix="jkn-import-", suffix=".csv")
    with os.fdopen(fd, "wb") as out:
        out.write(content.encode("utf-8"))
    return Path(name)


def content_columns(runtime: ServiceRuntime) -> ServiceColumns:
    """Where a waiting import's file is sealed: under the service's data key, bound to the
    import id (a sealed file copied to another import does not open)."""
    return ServiceColumns(service_keys(runtime.settings.database_url), "imports")


def _ends_with_line_break(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64))
        return f.read().rstrip(b" \t").endswith((b"\n", b"\r"))


def scan_file(path: Path, max_cell_chars: int = MAX_CELL_CHARS) -> tuple[ImportPreview, bool]:
    """The file's preview, and whether it ends with a line break. Raises NotReadable."""
    try:
        with open_csv(path) as text:
            preview = scan_rows(iter_rows(text, max_cell_chars=max_cell_chars))
    except HeaderError as exc:
        raise NotReadable([LineError(1, e.field, e.rule, e.message) for e in exc.errors]) from None
    except UnicodeDecodeError:
        raise NotReadable([LineError(1, "file", "ENCODING", ENCODING_MESSAGE)]) from None
    return preview, _ends_with_line_break(path)


async def preview_import(
    runtime: ServiceRuntime,
    store: ImportStore,
    path: Path,
    *,
    sha256: str,
    proposed_by: str,
    actor: Actor | None,
    limits: ImportLimits,
) -> Previewed:
    """Validate and count the file at ``path`` and store it as a preview by ``actor``.
    Raises NotReadable (header, encoding) and ImportRefused (NO_ROWS, TRUNCATED_LAST_LINE,
    IMPORT_TOO_LARGE): nothing is stored then."""
    preview, line_break = await asyncio.to_thread(scan_file, path, limits.max_cell_chars)
    check_rows(preview.rows)
    if not preview.last_valid and not line_break:
        raise truncated(preview.last_line)
    limits.check(preview.rows)
    text = (await asyncio.to_thread(path.read_bytes)).decode("utf-8")  # its line ends kept
    import_id, summary = uuid.uuid4(), preview.summary()
    async with runtime.pool.acquire() as pooled, pooled.transaction():
        conn = cast(asyncpg.Connection, pooled)  # the proxy forwards every call
        sealed = await content_columns(runtime).seal(conn, str(import_id), {"content": text})
        await store.create_preview(
            conn,
            import_id,
            proposed_by=proposed_by,
            sha256=sha256,
            actor=actor,
            preview=summary,
            sealed=cast(bytes, sealed["content"]),
        )
        await store.insert_issues(conn, import_id, preview.issues)
    return Previewed(import_id, summary)
