"""The operator look-up command and the simulator's ``seed`` command."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from bpjs_gateway.entrypoints import lookup_cli
from bpjs_sim import SimSettings
from bpjs_sim.__main__ import main as sim_main
from bpjs_sim.store import SqliteStore

RESIDENT = {
    "nik": "1571024505800003",
    "nama": "SITI 𠀋 AMINAH",
    "sex": "P",
    "tglLahir": "1980-05-05",
    "jenisPeserta": "21",
}


@pytest.fixture
def bpjs_env(monkeypatch: pytest.MonkeyPatch, live_sim: str, settings: SimSettings) -> str:
    monkeypatch.setenv("BPJS_BASE_URL", live_sim)
    monkeypatch.setenv("BPJS_CONS_ID", settings.cons_id)
    monkeypatch.setenv("BPJS_SECRET", settings.secret)
    monkeypatch.setenv("BPJS_USER_KEY", settings.user_key)
    return live_sim


def _seed_live(base_url: str) -> str:
    reply = httpx.post(f"{base_url}/_sim/seed", json=[RESIDENT])
    reply.raise_for_status()
    card: str = reply.json()["noKartu"][0]
    return card


def test_lookup_by_nik_prints_the_peserta_and_exits_0(
    bpjs_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed_live(bpjs_env)
    assert lookup_cli.main(["nik", RESIDENT["nik"], "--date", "2025-01-15"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["nama"] == RESIDENT["nama"]
    assert printed["jenisPeserta"]["kode"] == "21"


def test_lookup_by_card_prints_the_peserta_and_exits_0(
    bpjs_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    card = _seed_live(bpjs_env)
    assert lookup_cli.main(["kartu", card]) == 0
    assert json.loads(capsys.readouterr().out)["noKartu"] == card


def test_lookup_of_an_unknown_nik_exits_1(
    bpjs_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lookup_cli.main(["nik", "1571010101900009"]) == 1
    assert "not found" in capsys.readouterr().err


def test_lookup_with_a_wrong_secret_exits_2(
    bpjs_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BPJS_SECRET", "wrong")
    assert lookup_cli.main(["nik", RESIDENT["nik"]]) == 2
    assert "BpjsAuthError" in capsys.readouterr().err


def test_lookup_when_bpjs_is_unreachable_exits_2(
    bpjs_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BPJS_BASE_URL", "http://127.0.0.1:9")
    assert lookup_cli.main(["nik", RESIDENT["nik"]]) == 2
    assert "BpjsUnavailable" in capsys.readouterr().err


def test_lookup_without_configuration_names_the_missing_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("BPJS_BASE_URL", "BPJS_CONS_ID", "BPJS_SECRET", "BPJS_USER_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert lookup_cli.main(["kartu", "0002157100001"]) == 2
    assert "BPJS_BASE_URL" in capsys.readouterr().err


def test_lookup_refuses_a_number_of_the_wrong_length() -> None:
    with pytest.raises(SystemExit) as exited:
        lookup_cli.main(["nik", "1571"])
    assert exited.value.code == 2


def test_sim_seed_command_fills_the_register_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "seeded.sqlite"
    records = tmp_path / "peserta.json"
    records.write_text(json.dumps([RESIDENT, {**RESIDENT, "nik": "1571024505800004"}]))
    monkeypatch.setenv("BPJS_SIM_DB", str(db))
    assert sim_main(["seed", str(records)]) == 0
    store = SqliteStore(db)
    try:
        [card] = store.by_nik(RESIDENT["nik"])
        assert card.nama == RESIDENT["nama"]
        assert card.jenis == "21"
    finally:
        store.close()


def test_sim_seed_command_rejects_an_invalid_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = tmp_path / "peserta.json"
    records.write_text(json.dumps([{"nik": "123"}]))
    monkeypatch.setenv("BPJS_SIM_DB", str(tmp_path / "x.sqlite"))
    assert sim_main(["seed", str(records)]) == 1


def test_sim_seed_command_accepts_vclaim_shaped_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vclaim_record = {
        "noKartu": "0001234567890",
        **{k: v for k, v in RESIDENT.items() if k != "jenisPeserta"},
        "hakKelas": {"kode": "3", "keterangan": "KELAS III"},
        "jenisPeserta": {"kode": "22", "keterangan": "PBI (APBD)"},
        "statusPeserta": {"kode": "2", "keterangan": "Meninggal"},
        "provUmum": {"kdProvider": "10010501", "nmProvider": "PUSKESMAS PUTRI AYU"},
        "tglTMT": "2023-01-01",
        "tglTAT": "2024-06-30",
        "umur": {"umurSekarang": "44 tahun"},
    }
    records = tmp_path / "bpjs_seed.json"
    records.write_text(json.dumps([vclaim_record], ensure_ascii=False), encoding="utf-8")
    db = tmp_path / "seeded.sqlite"
    monkeypatch.setenv("BPJS_SIM_DB", str(db))
    assert sim_main(["seed", str(records)]) == 0
    store = SqliteStore(db)
    try:
        card = store.by_card("0001234567890")
    finally:
        store.close()
    assert card is not None
    assert (card.jenis, card.status, card.kd_provider) == ("22", "2", "10010501")
    assert card.tgl_tat == "2024-06-30"
