"""The journey under faults, each scenario of ``make test-faults`` on a small population:
every resident ends where they must, every effect lands exactly once where it lands (the
BPJS simulator's register and counts, the notification sink, the audit trail), nothing is
left in an outbox or parked as a dead letter, the agencies agree, and a killed service is
consuming again within 15 s of its restart.

The broker and Postgres scenarios kill a Kafka and a Postgres of their own
(jkn_demo.fault_infra): the shared ones, which the modules after this one use, are never
touched. Figures: test-artifacts/faults/ci-<scenario>.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jkn_demo.fault_scenarios import SCENARIOS
from jkn_demo.faults import make_city, run_scenario
from jkn_demo.scenario import CityFiles
from jkn_demo.stackenv import STATE_DIR

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

PORT_OFFSET = 22000
RESIDENTS = 150
SEED = 11
RECOVERY_TARGET_S = 15.0  # the target after a service kill
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults"


@pytest.fixture(scope="module")
def fault_city(tmp_path_factory: pytest.TempPathFactory) -> CityFiles:
    return make_city(tmp_path_factory.mktemp("fault-city"), RESIDENTS, SEED)


async def _run(name: str, city: CityFiles, run_dir: Path) -> dict[str, Any]:
    row = await run_scenario(
        SCENARIOS[name],
        city,
        seed=SEED,
        port_offset=PORT_OFFSET,
        run_dir=run_dir,
        settle_timeout=240,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"ci-{name}.json").write_text(json.dumps(row, indent=1, default=str) + "\n")
    return row


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_under_faults_every_effect_lands_once_and_the_agencies_agree(
    name: str, fault_city: CityFiles
) -> None:
    # under the state directory, not pytest's tmp_path (mode 0700): the Postgres of the
    # postgres-restart scenario runs as the postgres OS user and must reach its data dir
    row = await _run(name, fault_city, STATE_DIR / "faults" / f"ci-{name}")
    figures = {k: row[k] for k in ("lost", "duplicated", "simulator", "recoveries")}
    assert row["settled"], figures
    assert row["residents"] > RESIDENTS  # the eligible ones and every other kind
    assert row["expected_active"] == RESIDENTS
    assert row["lost"] == dict.fromkeys(row["lost"], 0), figures
    assert row["duplicated"] == dict.fromkeys(row["duplicated"], 0), figures
    assert row["divergences"] == 0, row["divergence_rules"]
    assert row["audit_chain_ok"]
    assert row["audit_rows"] > row["residents"]
    assert row["sink_messages"] >= row["residents"]  # one decision message each, at least
    assert row["outbox_unpublished"] == dict.fromkeys(row["outbox_unpublished"], 0)
    assert row["dead_letters"] == dict.fromkeys(row["dead_letters"], 0)
    assert row["recoveries"], "each injected fault is followed by a recovery measurement"
    assert all(r["how"] != "timeout" for r in row["recoveries"]), row["recoveries"]
    if name == "service-kills":
        slow = [r for r in row["recoveries"] if r["seconds"] > RECOVERY_TARGET_S]
        assert not slow, slow
