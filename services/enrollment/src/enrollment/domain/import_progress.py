"""An import's progress and its stored line report: plain values the import's chunks
update and the imports store keeps (``adapters.imports``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from enrollment.domain.import_report import LineError

__all__ = ["Progress", "StoredError"]


@dataclass
class Progress:
    """Counts of one import (data rows only: the header and blank rows are not counted)."""

    lines_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: int = 0
    last_committed_line: int = 1


@dataclass(frozen=True)
class StoredError:
    """A LineError as stored: an error or a warning; for ALREADY_PROPOSED, the proposal."""

    error: LineError
    severity: str = "error"
    existing_proposal_id: uuid.UUID | None = None
