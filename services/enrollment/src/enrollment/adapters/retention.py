"""What Dinas Sosial keeps about residents only for a while (jkn_bus.retention).

- Reconciliation candidates (NIK, KK, name, birth date of a registry snapshot's residents
  not yet proposed): ``JKN_RETENTION_CANDIDATES_DAYS`` (90: one quarter's reconciliation
  cycle; the next snapshot brings its own) after their snapshot was received.
- Upload spool files (a CSV import's or a snapshot's bytes while they are read): deleted
  by the import or snapshot when it finishes; one a stopped process left behind is deleted
  after ``JKN_RETENTION_SPOOL_DAYS`` (1).
"""

from __future__ import annotations

from pathlib import Path

from jkn_bus.retention import DAY_S, RetentionSettings, SpoolFiles, SqlStore, Store

from enrollment.entrypoints.uploads import SPOOL_PATTERNS, spool_directory

__all__ = ["enrollment_stores"]


def enrollment_stores(settings: RetentionSettings, spool: Path | None = None) -> list[Store]:
    return [
        SqlStore(
            "candidates",
            settings.candidates_days * DAY_S,
            "DELETE FROM candidates WHERE (run_id, participant_id) IN ("
            " SELECT c.run_id, c.participant_id FROM candidates c"
            " JOIN reconciliation_runs r USING (run_id)"
            " WHERE r.received_at < clock_timestamp() - make_interval(secs => $1) LIMIT $2)",
            "SELECT extract(epoch FROM clock_timestamp() - min(r.received_at))::float8"
            " FROM reconciliation_runs r WHERE EXISTS"
            " (SELECT 1 FROM candidates c WHERE c.run_id = r.run_id)",
        ),
        SpoolFiles(
            "spool_files",
            settings.spool_days * DAY_S,
            spool or spool_directory(),
            SPOOL_PATTERNS,
        ),
    ]
