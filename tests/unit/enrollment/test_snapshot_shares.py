"""A large snapshot parsed by worker processes (enrollment.app.snapshot_shares).

Specification: ``ParallelParse`` with two or three worker processes gives what one
``SnapshotParse`` gives for the same file: the same staging records (each candidate's
fields sealed under the run's key, opening to the same values), the same counts of lines
read, valid and invalid, the same first ``max_errors`` line errors in line order, and the
same last row and its validity (what the truncation check reads).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from enrollment.adapters.personal import open_candidate
from enrollment.adapters.snapshots import STAGING_COLUMNS, CandidateSeal
from enrollment.app.snapshot_file import SnapshotParse
from enrollment.app.snapshot_shares import ParallelParse, WorkerDied
from enrollment.domain.snapshot import SNAPSHOT_FIELDS
from integration.enrollment.residents import resident
from jkn_bus.at_rest import ServiceColumns, ServiceKeys
from jkn_bus.personal_data import DEV_KEKS, LocalKeks

NO_CONNECTION = cast(Any, None)  # the key is known: no statement is run
KEY = AESGCM.generate_key(bit_length=256)
RUN = uuid.uuid4()


def snapshot_lines() -> list[str]:
    lines = [",".join(SNAPSHOT_FIELDS)]
    for n in range(400):
        r = {**resident(n), "welfare_decile": str(n % 10 + 1)}
        if n % 37 == 5:
            r["welfare_decile"] = "11"  # invalid, NIK usable
        if n % 53 == 7:
            r["nik"] = "123"  # invalid, no NIK
        if n == 200:
            r["name"] = '"Warga\nUji"'  # a quoted cell over two lines
        lines.append(",".join(r[f] for f in SNAPSHOT_FIELDS))
    lines.append(",".join(resident(999)[f] for f in SNAPSHOT_FIELDS[:3]))  # the last row: short
    return lines


async def staged(parse: SnapshotParse | ParallelParse) -> dict[int, dict[str, Any]]:
    personal = ServiceColumns(ServiceKeys(LocalKeks.parse(DEV_KEKS), _clear={1: KEY}), "candidates")
    by_line: dict[int, dict[str, Any]] = {}
    async for values in parse.records():
        record = dict(zip(STAGING_COLUMNS, values, strict=True), run_id=RUN)
        if record["personal_sealed"] is not None:
            record.update(await open_candidate(personal, NO_CONNECTION, record))
        # sealed anew each time (a fresh nonce): compared by what it opens to
        record["personal_sealed"] = record["personal_sealed"] is not None
        by_line[record["line"]] = record
    return by_line


def tally(parse: SnapshotParse | ParallelParse) -> tuple[Any, ...]:
    return (
        parse.read,
        parse.valid,
        parse.invalid,
        parse.last_line,
        parse.last_valid,
        [(e.line, e.field, e.rule) for e in parse.errors],
    )


@pytest.mark.parametrize("processes", [2, 3])
@pytest.mark.parametrize("max_errors", [100, 4])
async def test_workers_give_what_one_parse_gives(
    tmp_path: Path, processes: int, max_errors: int
) -> None:
    path = tmp_path / "snapshot.csv"
    path.write_text("\n".join(snapshot_lines()) + "\n", "utf-8")
    seal = CandidateSeal("candidates", 1, KEY, RUN)
    args = (path, "pseudonym-key", max_errors, 1000)
    one = SnapshotParse(*args, eligible=(1, 2, 3, 4), seal=seal)
    shared = ParallelParse(*args, eligible=(1, 2, 3, 4), seal=seal, processes=processes)

    expected = await staged(one)
    got = await staged(shared)

    assert got == expected
    assert tally(shared) == tally(one)
    read, valid, invalid, last_line, last_valid, errors = tally(one)
    assert (read, last_line, last_valid) == (401, 402, False)  # the short last row
    assert valid + invalid == read
    assert len({line for line, _, _ in errors}) == min(invalid, max_errors)
    assert sum(1 for r in expected.values() if r["personal_sealed"]) > 100  # candidates, opened


async def test_a_worker_that_cannot_read_the_file_ends_the_parse_with_its_exception(
    tmp_path: Path,
) -> None:
    path = tmp_path / "snapshot.csv"
    lines = snapshot_lines()
    path.write_bytes(("\n".join(lines[:300]) + "\n").encode() + b"\xff\xfe,1\n")
    shared = ParallelParse(path, "pseudonym-key", 10, 1000, eligible=(1, 2, 3, 4), processes=2)

    with pytest.raises(UnicodeDecodeError):
        await staged(shared)


class Dies:
    """A seal that ends its worker process at the first candidate, as a kill would."""

    def __call__(self, _participant_id: str, _values: Any) -> tuple[bytes | None, ...]:
        os._exit(9)


async def test_a_worker_that_dies_ends_the_parse_with_worker_died(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.csv"
    path.write_text("\n".join(snapshot_lines()) + "\n", "utf-8")
    shared = ParallelParse(
        path, "pseudonym-key", 10, 1000, eligible=(1, 2, 3, 4), seal=Dies(), processes=2
    )

    with pytest.raises(WorkerDied):
        await staged(shared)
