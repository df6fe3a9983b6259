"""What a reconciliation run or a refill may do at once, and the refusals beyond it.

A run (a findings file, a snapshot) is first a preview that a second Dinsos officer
approves (``app.run_approval``). Some files are refused before anyone is asked, because
applying them would be a mistake whoever approved it: nothing of a refused run is stored.

- ``NO_ROWS``: the file has a header and no data row (an empty export).
- ``TRUNCATED_LAST_LINE``: the file does not end with a line break and its last row does
  not validate (the upload or the export was cut mid-row).
- ``TOO_FEW_ROWS``: a snapshot with fewer rows than ``min_snapshot_row_ratio`` of the last
  approved snapshot's (a truncated or partial export).
- ``DEACTIVATION_SHARE_EXCEEDED``: the run would deactivate more than
  ``max_deactivation_share`` of the current participants.
- ``REFILL_BATCH_TOO_LARGE``: ``candidates/propose`` asked for more than ``max_refill_batch``.

Settings: ``ENROLLMENT_MAX_DEACTIVATION_SHARE`` (0.05), ``ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO``
(0.8), ``ENROLLMENT_MAX_REFILL_BATCH`` (200), and the longest cell of the file
``ENROLLMENT_CSV_MAX_CELL_CHARS`` (4,096), read by ``bootstrap`` (``enrollment.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from enrollment.domain.csv_import import MAX_CELL_CHARS

__all__ = [
    "RunLimits",
    "RunRefused",
    "check_rows",
    "check_share",
    "check_snapshot_rows",
    "truncated",
]


@dataclass(frozen=True)
class RunLimits:
    max_deactivation_share: float = 0.05
    min_snapshot_row_ratio: float = 0.8
    max_refill_batch: int = 200
    max_cell_chars: int = MAX_CELL_CHARS

    def __post_init__(self) -> None:
        if not 0 < self.max_deactivation_share <= 1:
            raise ValueError("ENROLLMENT_MAX_DEACTIVATION_SHARE must be in (0, 1]")
        if not 0 <= self.min_snapshot_row_ratio <= 1:
            raise ValueError("ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO must be in [0, 1]")
        if self.max_refill_batch < 1:
            raise ValueError("ENROLLMENT_MAX_REFILL_BATCH must be at least 1")
        if self.max_cell_chars < 1:
            raise ValueError("ENROLLMENT_CSV_MAX_CELL_CHARS must be at least 1")


@dataclass
class RunRefused(Exception):
    """The file or request is refused as a whole (422 with ``rule``); nothing was stored."""

    rule: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.rule)


def check_rows(read: int) -> None:
    if read == 0:
        raise RunRefused(
            "NO_ROWS",
            "The file has no data rows (only a header, or nothing); nothing is applied. / "
            "Berkas tidak berisi baris data; tidak ada yang diproses.",
        )


def truncated(line: int) -> RunRefused:
    return RunRefused(
        "TRUNCATED_LAST_LINE",
        "The file ends mid-row (no line break after an invalid last row): it looks cut off. "
        "Export and upload it again. / Berkas terpotong di baris terakhir; unggah ulang.",
        {"line": line},
    )


def check_snapshot_rows(read: int, previous: int | None, limits: RunLimits) -> None:
    if previous and read < previous * limits.min_snapshot_row_ratio:
        raise RunRefused(
            "TOO_FEW_ROWS",
            "The snapshot has far fewer rows than the last approved one: it looks truncated "
            "or partial. / Jumlah baris jauh lebih sedikit dari snapshot sebelumnya.",
            {
                "rows": read,
                "previous_rows": previous,
                "min_ratio": limits.min_snapshot_row_ratio,
            },
        )


def check_share(deactivations: int, participants: int, limits: RunLimits) -> None:
    if participants and deactivations / participants > limits.max_deactivation_share:
        raise RunRefused(
            "DEACTIVATION_SHARE_EXCEEDED",
            "The run would deactivate more than the allowed share of current participants; "
            "nothing is applied. / Rekonsiliasi akan menonaktifkan melebihi batas peserta.",
            {
                "deactivations": deactivations,
                "participants": participants,
                "share": round(deactivations / participants, 4),
                "max_share": limits.max_deactivation_share,
            },
        )
