"""``python -m verification load-reference DIR``: replaces the reference data, idempotently."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jkn_bus import ServiceRuntime

pytestmark = pytest.mark.infra


def load(url: str, directory: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VERIFICATION_DATABASE_URL": url}
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "verification", "load-reference", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rows(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) - 1


async def counts(runtime: ServiceRuntime) -> tuple[int, int]:
    civil = await runtime.pool.fetchval("SELECT count(*) FROM civil_registry")
    dtks = await runtime.pool.fetchval("SELECT count(*) FROM dtks")
    return civil, dtks


async def test_startup_loads_the_reference_dir_when_the_tables_are_empty(
    runtime: ServiceRuntime, reference_dir: Path
) -> None:
    expected = (rows(reference_dir / "civil_registry.csv"), rows(reference_dir / "dtks.csv"))
    assert await counts(runtime) == expected


async def test_loading_the_same_files_twice_is_harmless(
    runtime: ServiceRuntime, database: dict[str, str], reference_dir: Path
) -> None:
    first = load(database["verification"], reference_dir)
    second = load(database["verification"], reference_dir)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
    assert f"dtks: {rows(reference_dir / 'dtks.csv')} rows" in second.stdout
    assert await counts(runtime) == (
        rows(reference_dir / "civil_registry.csv"),
        rows(reference_dir / "dtks.csv"),
    )


async def test_a_load_replaces_the_data_and_a_bad_file_changes_nothing(
    runtime: ServiceRuntime, database: dict[str, str], reference_dir: Path, tmp_path: Path
) -> None:
    shutil.copy(reference_dir / "civil_registry.csv", tmp_path / "civil_registry.csv")
    lines = (reference_dir / "dtks.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "dtks.csv").write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")
    assert load(database["verification"], tmp_path).returncode == 0
    assert (await counts(runtime))[1] == 10

    (tmp_path / "dtks.csv").write_text("nik,decile\n1571010101900001,1\n", encoding="utf-8")
    bad = load(database["verification"], tmp_path)
    assert bad.returncode == 2
    assert "expected columns" in bad.stderr
    assert (await counts(runtime))[1] == 10
