"""Files for the agencies and the demo: exports, the demo batch, its manifest, snapshots."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import date
from pathlib import Path

import pytest
from jkn_city import (
    CATEGORIES,
    CIVIL_REGISTRY_COLUMNS,
    DEMO_COLUMNS,
    DTKS_COLUMNS,
    City,
    DemoRow,
    demo_batch,
    demo_manifest,
    generate_city,
    iter_snapshot_rows,
    write_bpjs_seed_json,
    write_civil_registry_csv,
    write_dtks_csv,
    write_snapshot_csv,
)
from jkn_city.cli import main
from jkn_city.model import JENIS_PESERTA, STATUS_PESERTA
from jkn_city.regions import CITY_CODE
from jkn_contracts import participant_id_for
from jkn_contracts.nik import NikError, check_matches, parse_nik

KEY = "test-key"


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city(1571, 3000)


@pytest.fixture(scope="module")
def batch(city: City) -> list[DemoRow]:
    return demo_batch(city, 20)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_registry_csvs_have_the_agreed_columns(city: City, tmp_path: Path) -> None:
    assert write_civil_registry_csv(city, tmp_path / "c.csv") == len(city)
    civil = _read(tmp_path / "c.csv")
    assert tuple(civil[0]) == CIVIL_REGISTRY_COLUMNS
    assert {row["alive"] for row in civil} == {"true", "false"}
    count = write_dtks_csv(city, tmp_path / "d.csv")
    dtks = _read(tmp_path / "d.csv")
    assert (
        tuple(dtks[0])
        == DTKS_COLUMNS
        == ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "welfare_decile")
    )
    assert count == len(dtks) == sum(1 for r in city if r.welfare_decile is not None)
    assert {int(row["welfare_decile"]) for row in dtks} == set(range(1, 11))


def test_the_bpjs_seed_is_in_the_vclaim_peserta_shape(city: City, tmp_path: Path) -> None:
    write_bpjs_seed_json(city, tmp_path / "b.json")
    records = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert len(records) == sum(1 for r in city if r.coverage)
    for rec in records:
        assert len(rec["noKartu"]) == 13
        assert rec["noKartu"].isdigit()
        assert rec["sex"] in {"L", "P"}
        assert rec["jenisPeserta"]["keterangan"] == JENIS_PESERTA[rec["jenisPeserta"]["kode"]]
        assert rec["statusPeserta"]["keterangan"] == STATUS_PESERTA[rec["statusPeserta"]["kode"]]
        assert len(rec["provUmum"]["kdProvider"]) == 8
        assert date.fromisoformat(rec["tglTMT"]) < date.fromisoformat(rec["tglTAT"])
        assert rec["nik"] == rec["nik"].strip()
    pbi = [r for r in records if r["jenisPeserta"]["kode"] == "21"]
    assert pbi
    assert all(r["hakKelas"] == {"kode": "3", "keterangan": "KELAS III"} for r in pbi)


def test_every_outcome_category_is_in_the_demo_batch(batch: list[DemoRow]) -> None:
    assert {row.category for row in batch} == set(CATEGORIES)
    assert sum(row.category == "eligible" for row in batch) == 20
    assert len({row.nik for row in batch}) == len(batch)


def test_each_demo_row_breaks_exactly_the_rule_its_category_names(
    city: City, batch: list[DemoRow]
) -> None:
    civil, dtks = city.civil_registry(), city.dtks()
    for row in batch:
        if row.category == "bad_nik":
            try:
                info = parse_nik(row.nik, today=city.as_of)
            except NikError:
                continue
            assert check_matches(info, row.sex, date.fromisoformat(row.birth_date)), row.variant
            continue
        info = parse_nik(row.nik, today=city.as_of)
        assert check_matches(info, row.sex, date.fromisoformat(row.birth_date)) == []
        entry, decile = civil.lookup(row.nik), dtks.lookup(row.nik)
        assert entry is not None
        person = city.resident(row.nik)
        assert person is not None
        covered = person.coverage.segment if person.coverage and person.coverage.active else None
        facts = (
            entry.domicile_city == CITY_CODE,
            entry.alive,
            decile is not None and decile <= 4,
            covered,
        )
        expected = {
            "eligible": (True, True, True, None),
            "covered_pbi_apbn": (True, True, True, "21"),
            "covered_ppu": (True, True, True, "13"),
            "non_resident": (False, True, True, None),
            "dead": (True, False, True, None),
            "not_in_dtks": (True, True, False, None),
        }[row.category]
        assert facts == expected, row.category


def test_the_demo_batch_is_deterministic(city: City) -> None:
    assert demo_batch(city, 10, seed=3) == demo_batch(city, 10, seed=3)
    assert demo_batch(city, 10, seed=3) != demo_batch(city, 10, seed=4)


def test_a_too_small_city_says_so() -> None:
    with pytest.raises(ValueError, match="larger"):
        demo_batch(generate_city(1, 30), 20)


def test_the_manifest_names_pseudonyms_and_a_quota_below_the_eligible_count(
    batch: list[DemoRow],
) -> None:
    manifest = demo_manifest(batch, pseudonym_key=KEY)
    text = json.dumps(manifest)
    assert all(row.nik not in text for row in batch)
    assert [r["participant_id"] for r in manifest["rows"]] == [
        participant_id_for(row.nik, KEY) for row in batch
    ]
    assert manifest["quota"] < manifest["counts"]["eligible"]
    assert manifest["expected_waitlisted"] == manifest["counts"]["eligible"] - manifest["quota"]
    assert set(manifest["counts"]) == set(CATEGORIES)


def test_generate_command_writes_the_five_files(tmp_path: Path) -> None:
    assert (
        main(
            [
                "generate",
                "--seed",
                "7",
                "--size",
                "2000",
                "--out",
                str(tmp_path),
                "--pseudonym-key",
                KEY,
            ]
        )
        == 0
    )
    names = {
        "civil_registry.csv",
        "dtks.csv",
        "bpjs_seed.json",
        "proposals_demo.csv",
        "manifest.json",
    }
    assert names <= {p.name for p in tmp_path.iterdir()}
    proposals = _read(tmp_path / "proposals_demo.csv")
    assert tuple(proposals[0]) == DEMO_COLUMNS
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["rows"]) == len(proposals)
    assert {r["category"] for r in manifest["rows"]} == set(CATEGORIES)
    for entry, row in zip(manifest["rows"], proposals, strict=True):
        assert entry["participant_id"] == participant_id_for(row["nik"], KEY)


def test_a_snapshot_starts_with_the_city_s_dtks_members_and_is_deterministic(
    city: City,
) -> None:
    members = [r.nik for r in city if r.welfare_decile is not None]
    rows = list(iter_snapshot_rows(len(members) + 500, seed=1, city=city))
    assert [row[0] for row in rows[: len(members)]] == members
    assert rows == list(iter_snapshot_rows(len(members) + 500, seed=1, city=city))


def test_snapshot_numbers_are_valid_and_never_repeat(city: City) -> None:
    rows = list(iter_snapshot_rows(60_000, seed=2, city=city))
    assert len({row[0] for row in rows}) == len(rows)
    for nik, kk, _name, sex, born, kelurahan, decile in rows[::20]:
        assert check_matches(parse_nik(nik, today=city.as_of), sex, date.fromisoformat(born)) == []
        assert len(kk) == 16
        assert len(kelurahan) == 10
        assert 1 <= int(decile) <= 10


def test_a_snapshot_is_streamed_not_built_in_memory(tmp_path: Path) -> None:
    huge = iter_snapshot_rows(10**12, seed=3)
    assert len(list(itertools.islice(huge, 1000))) == 1000
    assert write_snapshot_csv(tmp_path / "s.csv", 2500, seed=3) == 2500
    lines = (tmp_path / "s.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(DTKS_COLUMNS)
    assert len(lines) == 2501
