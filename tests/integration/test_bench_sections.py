"""`make bench`'s snapshot section on a small input, against the real Kafka and Postgres:
it runs and what it reports adds up. (The figures are `make bench`'s business, never a
test's; the relay section's code path is the one tests/integration/bus exercises.)"""

from __future__ import annotations

import pytest
from jkn_demo.snapshot_bench import snapshot_bench

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


async def test_the_snapshot_section_finds_exactly_the_absent_and_the_no_longer_poor() -> None:
    result = await snapshot_bench(3_000, city_size=2_000)

    assert result["rows_valid"] + result["rows_invalid"] == 3_000
    assert result["expected_absent"] > 0
    assert result["expected_mampu"] > 0
    assert result["requests_emitted"] == result["expected_absent"] + result["expected_mampu"]
    assert result["candidates"] > 0
