"""Dinas Kesehatan's verification rules (docs/domain.md#verification-rules), one test per rule."""

from __future__ import annotations

import re
from datetime import date

import pytest
from jkn_contracts import RejectionReason, Resident
from verification.domain import (
    BpjsMembership,
    CivilRecord,
    DtksRecord,
    Policy,
    ReasonCode,
    coverage_check,
    local_checks,
)

TODAY = date(2026, 5, 1)
JAMBI = Policy(city_code="1571")
WOMAN_NIK = "1571014501900001"  # born 5 January 1990, day +40 because she is a woman
ALIVE_IN_JAMBI = CivilRecord(alive=True, domicile_city_code="1571", kelurahan="1571011001")
POOR = DtksRecord(decile=2)


def resident(**changes: object) -> Resident:
    fields: dict[str, object] = {
        "nik": WOMAN_NIK,
        "kk": "1571010101200001",
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": date(1990, 1, 5),
        "kelurahan": "1571011001",
    }
    return Resident.model_validate(fields | changes)


def codes(reasons: list[RejectionReason]) -> list[str]:
    return [r.code for r in reasons]


def check(res: Resident | None = None, **kwargs: object) -> list[RejectionReason]:
    args: dict[str, object] = {
        "civil": ALIVE_IN_JAMBI,
        "dtks": POOR,
        "duplicate": False,
        "policy": JAMBI,
        "today": TODAY,
    }
    return local_checks(res or resident(), **(args | kwargs))  # type: ignore[arg-type]


def test_accepts_a_poor_living_resident_of_the_city() -> None:
    assert check() == []


def test_rejects_a_malformed_nik() -> None:
    reasons = check(resident(nik="9971014501900001"))
    assert codes(reasons) == ["NIK_INVALID"]
    assert "Kode provinsi" in reasons[0].message


def test_rejects_a_nik_whose_birth_date_is_impossible_in_strict_mode() -> None:
    assert codes(check(resident(nik="1571013202900001", sex="L"))) == ["NIK_INVALID"]


def test_tolerates_an_old_nik_with_a_broken_date_when_not_strict() -> None:
    lenient = Policy(city_code="1571", strict_nik=False)
    assert check(resident(nik="1571013202900001", sex="L"), policy=lenient) == []


def test_rejects_a_form_whose_sex_disagrees_with_the_nik() -> None:
    reasons = check(resident(sex="L"))
    assert codes(reasons) == ["NIK_DATA_MISMATCH"]
    assert reasons[0].message.startswith("Jenis kelamin")


def test_rejects_a_form_whose_birth_date_disagrees_with_the_nik() -> None:
    reasons = check(resident(birth_date=date(1990, 1, 6)))
    assert codes(reasons) == ["NIK_DATA_MISMATCH"]
    assert reasons[0].message.startswith("Tanggal lahir")


def test_rejects_a_resident_whose_domicile_is_outside_the_city() -> None:
    padang = CivilRecord(alive=True, domicile_city_code="1371", kelurahan="1371011001")
    assert codes(check(civil=padang)) == ["NOT_CITY_RESIDENT"]


def test_residency_follows_the_civil_registry_not_the_nik_region() -> None:
    born_in_padang = resident(nik="1371014501900001")
    assert check(born_in_padang) == []


def test_rejects_a_nik_unknown_to_dukcapil() -> None:
    reasons = check(civil=None)
    assert codes(reasons) == ["NOT_IN_CIVIL_REGISTRY"]
    assert reasons[0].message == "NIK tidak terdaftar di Dukcapil."


def test_rejects_a_resident_dukcapil_records_as_dead() -> None:
    dead = CivilRecord(False, "1571", "1571011001", death_date=date(2025, 3, 1))
    assert codes(check(civil=dead)) == ["DECEASED"]


def test_rejects_a_resident_not_in_dtks() -> None:
    assert codes(check(dtks=None)) == ["NOT_IN_DTKS"]


@pytest.mark.parametrize("decile", [5, 10])
def test_rejects_a_resident_outside_the_eligible_deciles(decile: int) -> None:
    reasons = check(dtks=DtksRecord(decile))
    assert codes(reasons) == ["DECILE_TOO_HIGH"]
    assert "desil 1-4" in reasons[0].message
    assert f"desil {decile}" not in reasons[0].message


def test_eligible_deciles_are_configurable() -> None:
    wider = Policy(city_code="1571", eligible_deciles=range(1, 7))
    assert check(dtks=DtksRecord(6), policy=wider) == []
    assert "desil 1-6" in check(dtks=DtksRecord(7), policy=wider)[0].message


def test_rejects_a_duplicate_of_a_pending_or_active_enrollment() -> None:
    assert codes(check(duplicate=True)) == ["DUPLICATE_ENROLLMENT"]


def test_reports_every_failing_rule_not_just_the_first() -> None:
    padang_dead = CivilRecord(False, "1371", "1371011001")
    reasons = check(resident(sex="L"), civil=padang_dead, dtks=DtksRecord(9), duplicate=True)
    assert codes(reasons) == [
        "NIK_DATA_MISMATCH",
        "DECEASED",
        "NOT_CITY_RESIDENT",
        "DECILE_TOO_HIGH",
        "DUPLICATE_ENROLLMENT",
    ]


def test_every_reason_code_is_machine_readable_and_never_quotes_the_nik() -> None:
    reasons = check(resident(sex="L"), civil=None, dtks=None, duplicate=True)
    reasons += coverage_check(BpjsMembership("13", "PEGAWAI SWASTA", "0", "AKTIF"), JAMBI)
    for r in reasons:
        assert re.fullmatch(r"[A-Z_]+", r.code)
        assert r.code in set(ReasonCode)
        assert WOMAN_NIK not in r.message


def test_policy_refuses_a_city_code_that_is_not_four_digits() -> None:
    with pytest.raises(ValueError, match="4 digits"):
        Policy(city_code="15710")


# --- rule 5: coverage at BPJS (docs/domain.md#rule-5) ---------------------------------


def test_rejects_a_resident_already_covered_by_pbi_apbn() -> None:
    reasons = coverage_check(BpjsMembership("21", "PBI (APBN)", "0", "AKTIF"), JAMBI)
    assert codes(reasons) == ["ALREADY_COVERED_PBI_APBN"]


@pytest.mark.parametrize(("kode", "segment"), [("13", "PEGAWAI SWASTA"), ("14", "PEKERJA MANDIRI")])
def test_rejects_a_resident_active_in_another_segment_naming_the_segment(
    kode: str, segment: str
) -> None:
    reasons = coverage_check(BpjsMembership(kode, segment, "0", "AKTIF"), JAMBI)
    assert codes(reasons) == ["ALREADY_COVERED_OTHER_SEGMENT"]
    assert f"segmen {segment}" in reasons[0].message


def test_an_active_pbi_apbd_membership_does_not_block_coverage() -> None:
    assert coverage_check(BpjsMembership("22", "PBI (APBD)", "0", "AKTIF"), JAMBI) == []


def test_a_resident_unknown_to_bpjs_is_not_covered() -> None:
    assert coverage_check(None, JAMBI) == []


@pytest.mark.parametrize("status", [("9", "NON AKTIF KARNA PREMI"), ("6", "Tidak Ditanggung")])
def test_an_inactive_membership_does_not_block_coverage(status: tuple[str, str]) -> None:
    assert coverage_check(BpjsMembership("14", "PEKERJA MANDIRI", *status), JAMBI) == []


def test_bpjs_status_meninggal_rejects_the_resident_as_deceased() -> None:
    reasons = coverage_check(BpjsMembership("14", "PEKERJA MANDIRI", "2", "Meninggal"), JAMBI)
    assert codes(reasons) == ["DECEASED"]
    assert "BPJS Kesehatan" in reasons[0].message
