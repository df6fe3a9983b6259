"""A Dinas Sosial proposal: every field rule, strict and lenient NIK checks."""

from __future__ import annotations

from datetime import date

import pytest
from enrollment.domain import FieldError, Proposal, validate_proposal
from jkn_contracts import ProposalSource, Resident

TODAY = date(2026, 5, 1)
WOMAN_NIK = "1571014501900001"  # born 5 January 1990: day 05 + 40 = 45
MAN_NIK = "1571010501900002"  # born 5 January 1990
OLD_NIK = "1571013202900003"  # day 32: breaks the date rule, as some old NIKs do


def form(**changes: str) -> dict[str, str]:
    fields = {
        "nik": WOMAN_NIK,
        "kk": "1571010101200001",
        "name": "Siti  Aminah ",
        "sex": "P",
        "birth_date": "1990-01-05",
        "kelurahan": "1571011001",
        "source": "kelurahan",
    }
    return fields | changes


def valid(**changes: str) -> Proposal:
    result = validate_proposal(form(**changes), strict=True, today=TODAY)
    assert isinstance(result, Proposal), result
    return result


def errors(**changes: str) -> list[tuple[str, str]]:
    result = validate_proposal(form(**changes), strict=True, today=TODAY)
    assert isinstance(result, list), result
    return [(e.field, e.rule) for e in result]


def test_a_complete_proposal_builds_a_resident() -> None:
    proposal = valid(address="Jl. Sultan Thaha No. 5", email="siti@contoh.id")
    resident = proposal.resident()
    assert isinstance(resident, Resident)
    assert (resident.name, resident.sex, resident.birth_date) == (
        "Siti Aminah",
        "P",
        date(1990, 1, 5),
    )
    assert proposal.source is ProposalSource.KELURAHAN
    assert proposal.warnings == ()


def test_a_woman_s_birth_day_in_the_nik_is_plus_40() -> None:
    assert valid().sex == "P"
    assert errors(sex="L") == [("sex", "NIK_SEX_MISMATCH")]


def test_a_man_s_birth_day_in_the_nik_is_the_plain_day() -> None:
    assert valid(nik=MAN_NIK, sex="L").sex == "L"
    assert errors(nik=MAN_NIK, sex="P") == [("sex", "NIK_SEX_MISMATCH")]


def test_the_birth_date_on_the_form_must_agree_with_the_nik() -> None:
    assert errors(birth_date="1990-01-06") == [("birth_date", "NIK_BIRTH_DATE_MISMATCH")]


@pytest.mark.parametrize("field", ["nik", "kk", "name", "sex", "birth_date", "kelurahan", "source"])
def test_a_required_field_left_empty_is_named(field: str) -> None:
    assert (field, "REQUIRED") in errors(**{field: "  "})


def test_a_malformed_nik_is_rejected_with_its_rule() -> None:
    assert errors(nik="15710145019") == [("nik", "NIK_FORMAT")]
    assert errors(nik="1571014501900000") == [("nik", "NIK_SERIAL")]


def test_a_malformed_kk_is_rejected_with_its_rule() -> None:
    assert errors(kk="157101010120000X") == [("kk", "KK_FORMAT")]


def test_a_single_proposal_checks_the_nik_date_rule_strictly() -> None:
    assert errors(nik=OLD_NIK, sex="L") == [("nik", "NIK_BIRTH_DAY")]


def test_an_import_keeps_a_nik_date_problem_as_a_warning() -> None:
    result = validate_proposal(form(nik=OLD_NIK, sex="L"), strict=False, today=TODAY)
    assert isinstance(result, Proposal)
    assert result.nik_warnings == ["NIK_BIRTH_DAY"]


def test_sex_is_l_or_p_in_either_case() -> None:
    assert valid(sex="p").sex == "P"
    assert errors(sex="W") == [("sex", "SEX_VALUE")]


@pytest.mark.parametrize("value", ["05-01-1990", "1990-02-30", "1990/01/05", "19900105"])
def test_the_birth_date_is_a_real_date_written_yyyy_mm_dd(value: str) -> None:
    assert ("birth_date", "DATE_FORMAT") in errors(birth_date=value)


def test_the_birth_date_is_not_in_the_future() -> None:
    assert ("birth_date", "DATE_IN_FUTURE") in errors(birth_date="2027-01-05")


def test_the_kelurahan_is_a_ten_digit_code() -> None:
    assert errors(kelurahan="157101100") == [("kelurahan", "KELURAHAN_FORMAT")]


@pytest.mark.parametrize("name", ["S", "1571014501900001", "x" * 201])
def test_a_name_has_letters_and_a_sensible_length(name: str) -> None:
    assert errors(name=name)[0][0] == "name"


def test_a_phone_number_is_normalised_to_plus_62() -> None:
    assert valid(phone="0812-3456-7890").phone == "+6281234567890"
    assert valid(phone="62 812 3456 7890").phone == "+6281234567890"
    assert errors(phone="12ab") == [("phone", "PHONE_FORMAT")]


def test_an_email_must_look_like_an_address() -> None:
    assert errors(email="siti.contoh.id") == [("email", "EMAIL_FORMAT")]


def test_the_source_is_dtks_kelurahan_or_walk_in() -> None:
    assert valid(source="Walk-in").source is ProposalSource.WALK_IN
    assert errors(source="registry_refill") == [("source", "SOURCE_VALUE")]


def test_a_welfare_decile_is_optional_and_between_1_and_10() -> None:
    assert valid().welfare_decile is None
    assert valid(welfare_decile="3").welfare_decile == 3
    assert errors(welfare_decile="11") == [("welfare_decile", "DECILE_VALUE")]


def test_an_unknown_field_is_named() -> None:
    assert errors(religion="x") == [("religion", "UNKNOWN_FIELD")]


def test_every_problem_is_reported_at_once() -> None:
    found = errors(kk="", sex="X", kelurahan="1", phone="?")
    assert found == [
        ("kk", "REQUIRED"),
        ("sex", "SEX_VALUE"),
        ("kelurahan", "KELURAHAN_FORMAT"),
        ("phone", "PHONE_FORMAT"),
    ]


def test_no_error_message_repeats_a_personal_value() -> None:
    bad = form(
        nik="9971014501900001",
        name="9999999",
        phone="0812345678901234567",
        address="x" * 301,
        email="siti@@contoh",
    )
    result = validate_proposal(bad, strict=True, today=TODAY)
    assert isinstance(result, list)
    for error in result:
        assert isinstance(error, FieldError)
        for value in bad.values():
            assert len(value) < 4 or value not in error.message


def test_a_proposal_does_not_show_personal_data_in_its_repr() -> None:
    text = repr(valid(phone="081234567890"))
    assert WOMAN_NIK not in text
    assert "Siti" not in text
    assert "8123" not in text
