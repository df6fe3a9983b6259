"""Reading an uploaded CSV: a multipart field ``file``, or the CSV as the raw body.

One reader for proposal imports, kelurahan findings and registry snapshots.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import Request
from starlette.datastructures import UploadFile  # what request.form() yields

__all__ = ["SPOOL_PATTERNS", "spool_directory", "spool_upload", "upload_blocks"]

# The spool files this service writes (prefixes given to spool_upload): what a stopped
# process left behind is purged (enrollment.adapters.retention).
SPOOL_PATTERNS = ("jkn-import-*.csv", "jkn-snapshot-*.csv")


def spool_directory() -> Path:
    """Where uploads are spooled: the system's temporary directory (``TMPDIR``)."""
    return Path(tempfile.gettempdir())


async def upload_blocks(request: Request) -> AsyncIterator[bytes]:
    """The uploaded file's bytes, block by block (nothing when no file was sent)."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            while block := await upload.read(1 << 20):
                yield block
        return
    async for block in request.stream():
        if block:
            yield block


async def spool_upload(request: Request, *, prefix: str) -> tuple[Path, str] | None:
    """The upload in a temporary file, and its SHA-256; None when no file was sent.

    The caller deletes the file (a stopped process's is purged after a day).
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".csv", dir=spool_directory())
    path, digest, size = Path(name), hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            async for block in upload_blocks(request):
                digest.update(block)
                out.write(block)
                size += len(block)
    except BaseException:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call
        raise
    if size == 0:
        path.unlink()  # noqa: ASYNC240 - one metadata call
        return None
    return path, digest.hexdigest()
