"""`make bench`'s snapshot section on a small input, against the real Kafka and Postgres, and
its authentication section with a few real Keycloak tokens: each runs and what it reports
adds up. (The figures are `make bench`'s business, never a test's; the relay section's code
path is the one tests/integration/bus exercises.)"""

from __future__ import annotations

import pytest
from jkn_demo.auth_bench import auth_cost
from jkn_demo.crypto_bench import field_encryption_cost
from jkn_demo.snapshot_bench import snapshot_bench

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


async def test_the_snapshot_section_finds_exactly_the_absent_and_the_no_longer_poor() -> None:
    result = await snapshot_bench(3_000, city_size=2_000)

    assert result["rows_valid"] + result["rows_invalid"] == 3_000
    assert result["expected_absent"] > 0
    assert result["expected_mampu"] > 0
    assert result["requests_emitted"] == result["expected_absent"] + result["expected_mampu"]
    assert result["candidates"] > 0
    # the run's seconds are the preview's and the approval's
    assert result["preview_seconds"] > 0
    assert result["approve_seconds"] > 0
    assert result["preview_seconds"] + result["approve_seconds"] == pytest.approx(
        result["seconds"], abs=0.02
    )


async def test_the_snapshot_parsed_by_worker_processes_finds_the_same() -> None:
    # the same city and snapshot (fixed seed), this time parsed by the service's workers
    # (enrollment.app.snapshot_shares), whatever the file's size
    in_process = await snapshot_bench(3_000, city_size=2_000)
    by_workers = await snapshot_bench(3_000, city_size=2_000, parallel_from_bytes=0)

    for kept in ("rows_valid", "rows_invalid", "requests_emitted", "candidates"):
        assert by_workers[kept] == in_process[kept]
    assert by_workers["workers_peak_rss_mb"] > 0  # the workers ran
    assert in_process["workers_peak_rss_mb"] == 0


async def test_the_authentication_section_times_answered_requests_with_and_without_token() -> None:
    # it raises unless the guarded route refuses no token, and every timed request is a 200
    cost = await auth_cost(requests=100, verifications=40)

    assert (cost["requests"], cost["verifications"]) == (100, 40)
    assert min(cost["token_us"], cost["open_us"], cost["verify_us"], cost["verify_full_us"]) > 0
    assert cost["ratio"] == pytest.approx(cost["token_us"] / cost["open_us"], abs=0.01)
    assert cost["extra_us"] == pytest.approx(cost["token_us"] - cost["open_us"], abs=0.2)
    assert cost["algorithm"] == "RS256"  # the realm's signing key, as the services check it


async def test_the_field_encryption_section_times_the_same_residents_sealed_and_in_clear() -> None:
    cost = await field_encryption_cost(residents=50)

    assert cost["residents"] == 50
    assert (cost["event_seals"], cost["event_opens"], cost["columns_at_rest"]) == (3, 5, 19)
    assert cost["encrypted_us"] > cost["clear_us"] > 0  # sealing adds work to the same fields
    assert cost["ratio"] == pytest.approx(cost["encrypted_us"] / cost["clear_us"])
