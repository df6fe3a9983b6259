"""The demo scenario, shared by `make run` and the end-to-end test.

A synthetic city is generated, BPJS (the simulator) is seeded with the residents it already
covers, Dinkes gets the civil registry and DTKS as reference data and a quota smaller
than the number of eligible residents, and Dinsos imports a batch of proposals mixing
eligible residents, residents covered by PBI APBN or PPU, bad NIKs, non-residents, dead
residents and residents not in DTKS. Then every resident is followed to a final state.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from jkn_city.cli import main as city_main

from jkn_demo.callers import Callers
from jkn_demo.journey import Outcome, follow, import_file

__all__ = ["EXPECTED", "CityFiles", "generate_city", "propose_and_follow", "seed_bpjs"]

# What each kind of resident in the demo batch must end as (state, reason codes).
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "eligible": {("activated", ""), ("waitlisted", "")},
    "covered_pbi_apbn": {("rejected", "ALREADY_COVERED_PBI_APBN")},
    "covered_ppu": {("rejected", "ALREADY_COVERED_OTHER_SEGMENT")},
    "non_resident": {("rejected", "NOT_CITY_RESIDENT")},
    "dead": {("rejected", "DECEASED")},
    "not_in_dtks": {("rejected", "NOT_IN_DTKS")},
}


@dataclass(frozen=True)
class CityFiles:
    directory: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.directory / "manifest.json").read_text())

    @property
    def proposals(self) -> bytes:
        return (self.directory / "proposals_demo.csv").read_bytes()


def generate_city(
    directory: Path,
    *,
    seed: int = 1571,
    size: int = 3000,
    pseudonym_key: str,
    extra: list[str] | None = None,
) -> CityFiles:
    """Write the synthetic city's files (see simulators/city) into ``directory``."""
    city_main(
        [
            "generate",
            "--seed",
            str(seed),
            "--size",
            str(size),
            "--out",
            str(directory),
            "--pseudonym-key",
            pseudonym_key,
            *(extra or []),
        ]
    )
    return CityFiles(directory)


async def seed_bpjs(
    client: httpx.AsyncClient, simulator: str, city: CityFiles, *, only_proposed: bool = False
) -> int:
    """Tell the simulated BPJS about the residents it already covers (PBI APBN, PPU, ...).

    ``only_proposed`` seeds just the residents of the proposals file (the benchmark's city
    is large; BPJS is only ever asked about proposed residents).
    """
    records = json.loads((city.directory / "bpjs_seed.json").read_text())
    if only_proposed:
        proposed = {row["nik"] for row in csv.DictReader(io.StringIO(city.proposals.decode()))}
        records = [r for r in records if r["nik"] in proposed]
    for start in range(0, len(records), _SEED_CHUNK):
        resp = await client.post(
            f"{simulator}/_sim/seed", json=records[start : start + _SEED_CHUNK]
        )
        resp.raise_for_status()
    return len(records)


_SEED_CHUNK = 2000


async def propose_and_follow(
    client: httpx.AsyncClient,
    urls: dict[str, str],
    city: CityFiles,
    *,
    callers: Callers,
    # a deadline rather than asyncio.timeout: the residents followed so far are returned
    timeout: float = 180.0,  # noqa: ASYNC109
    on_import: Callable[[dict[str, Any]], None] | None = None,
    on_progress: Callable[[list[Outcome], float], None] | None = None,
) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Outcome]]]:
    """Import the demo batch as Dinsos's welfare-data system (a Dinsos officer approves its
    preview) and follow every resident, as each agency's own people, until each reached a
    final state."""
    report = await import_file(
        client,
        urls["enrollment"],
        city.proposals,
        auth=callers.importer,
        approver=callers.approver,  # a second person approves the bulk proposals
        progress=on_import,
    )
    # Warnings (lenient NIK checks on old NIKs) are kept for Dinkes; only errors refuse a line.
    refused_lines = {
        int(e["line"]): e for e in report["errors"] if e.get("severity", "error") == "error"
    }
    rows = city.manifest["rows"]
    followed: list[tuple[dict[str, Any], Outcome]] = []
    for row in rows:
        outcome = Outcome(row["participant_id"])
        error = refused_lines.get(row["row"] + 1)  # header is line 1
        if error is not None:
            outcome.state = "intake_rejected"
            outcome.reasons = [error["rule"]]
        followed.append((row, outcome))

    started = time.monotonic()
    while True:
        pending = [o for _, o in followed if not o.settled]
        if on_progress is not None:
            on_progress([o for _, o in followed], time.monotonic() - started)
        if not pending or time.monotonic() - started > timeout:
            break
        await asyncio.gather(*(follow(client, urls, o, callers) for o in pending))
        await asyncio.sleep(0.5)
    return report, followed
