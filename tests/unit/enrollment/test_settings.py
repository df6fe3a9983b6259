"""Enrollment's settings are read once, from one mapping, into one object
(``enrollment.settings.EnrollmentSettings``): every variable keeps its documented name and
default (services/enrollment/README.md), and a value out of range is refused at start,
naming its variable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from enrollment.bootstrap import run_limits, snapshot_settings
from enrollment.settings import DEV_CLIENT_SECRET, DEV_RECEIPT_KEY, EnrollmentSettings


def test_without_variables_every_setting_is_its_documented_default() -> None:
    s = EnrollmentSettings.from_env({})
    assert s.http_port == 8001
    assert s.receipt_key == DEV_RECEIPT_KEY
    assert s.erasure_after == timedelta(days=1825)
    assert s.csv_max_cell_chars == 4096
    assert dict(s.upload_limits) == {
        "/imports": 100 << 20,
        "/reconciliation/findings": 10 << 20,
        "/reconciliation/snapshots": 200 << 20,
    }
    assert (s.import_chunk_rows, s.import_reap_interval_s, s.max_import_rows) == (500, 60, 50_000)
    assert (s.max_deactivation_share, s.snapshot_min_row_ratio, s.max_refill_batch) == (
        0.05,
        0.8,
        200,
    )
    assert (s.reconciliation_batch, s.eligible_deciles) == (500, (1, 2, 3, 4))
    assert s.status_failures_per_10min == 30
    assert s.audit_url == "http://127.0.0.1:8005"
    assert (s.oidc_client_id, s.oidc_client_secret, s.oidc_token_url) == (
        "enrollment",
        DEV_CLIENT_SECRET,
        None,
    )
    assert s == EnrollmentSettings()  # the dataclass's defaults are the same


def test_each_variable_sets_its_setting() -> None:
    s = EnrollmentSettings.from_env(
        {
            "ENROLLMENT_HTTP_PORT": "9001",
            "ENROLLMENT_RECEIPT_KEY": "k" * 40,
            "ENROLLMENT_ERASURE_AFTER_DAYS": "0",
            "ENROLLMENT_CSV_MAX_CELL_CHARS": "100",
            "ENROLLMENT_FINDINGS_MAX_BYTES": "2048",
            "ENROLLMENT_IMPORT_CHUNK_ROWS": "3",
            "ENROLLMENT_IMPORT_REAP_INTERVAL_S": "0.5",
            "ENROLLMENT_MAX_IMPORT_ROWS": "10",
            "ENROLLMENT_MAX_DEACTIVATION_SHARE": "1",
            "ENROLLMENT_SNAPSHOT_MIN_ROW_RATIO": "0",
            "ENROLLMENT_MAX_REFILL_BATCH": "7",
            "ENROLLMENT_RECONCILIATION_BATCH": "50",
            "JKN_ELIGIBLE_DECILES": "1, 2",
            "ENROLLMENT_STATUS_FAILURES_PER_10MIN": "5",
            "AUDIT_HTTP_PORT": "18005",
            "ENROLLMENT_OIDC_TOKEN_URL": "https://sso.example/token",
        }
    )
    assert (s.http_port, s.receipt_key, s.erasure_after) == (9001, "k" * 40, timedelta(0))
    assert s.upload_limits["/reconciliation/findings"] == 2048
    assert s.upload_limits["/imports"] == 100 << 20  # the others keep theirs
    assert s.audit_url == "http://127.0.0.1:18005"
    assert s.oidc_token_url == "https://sso.example/token"  # noqa: S105 - a URL
    assert "k" * 40 not in repr(s)  # the secrets stay out of logs
    limits = run_limits(s)
    assert (limits.max_deactivation_share, limits.min_snapshot_row_ratio) == (1.0, 0.0)
    assert (limits.max_refill_batch, limits.max_cell_chars) == (7, 100)
    snapshot = snapshot_settings(s)
    assert (snapshot.eligible_deciles, snapshot.emit_batch) == ((1, 2), 50)


@pytest.mark.parametrize(
    "variable",
    [
        "ENROLLMENT_ERASURE_AFTER_DAYS",
        "ENROLLMENT_CSV_MAX_CELL_CHARS",
        "ENROLLMENT_IMPORT_MAX_BYTES",
        "ENROLLMENT_SNAPSHOT_MAX_BYTES",
    ],
)
def test_a_value_out_of_range_is_refused_naming_its_variable(variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        EnrollmentSettings.from_env({variable: "-1"})


def test_run_limits_out_of_range_are_refused_naming_their_variable() -> None:
    bad = EnrollmentSettings.from_env({"ENROLLMENT_MAX_DEACTIVATION_SHARE": "1.5"})
    with pytest.raises(ValueError, match="ENROLLMENT_MAX_DEACTIVATION_SHARE"):
        run_limits(bad)
