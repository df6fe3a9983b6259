"""The NIK and KK structure rules (docs/domain.md#identity-numbers), as the specification."""

from __future__ import annotations

from datetime import date

import pytest
from jkn_contracts.nik import NikError, check_matches, parse_kk, parse_nik

TODAY = date(2026, 3, 1)
MAN = "1571011505900001"  # Jambi City, district 01, born 15-05-1990, male
WOMAN = "1571015505900002"  # same date, female: day 15 + 40


def _rule(nik: str, **kwargs: object) -> str:
    with pytest.raises(NikError) as caught:
        parse_nik(nik, today=TODAY, **kwargs)  # type: ignore[arg-type]
    if nik:
        assert nik not in str(caught.value)
    return caught.value.rule


def test_a_man_s_nik_encodes_region_sex_and_birth_date() -> None:
    info = parse_nik(MAN, today=TODAY)
    assert (info.province, info.regency, info.district) == ("15", "1571", "157101")
    assert info.is_city
    assert info.sex == "L"
    assert info.birth_date == date(1990, 5, 15)
    assert info.serial == "0001"
    assert info.warnings == ()


def test_a_woman_s_nik_adds_40_to_the_birth_day() -> None:
    info = parse_nik(WOMAN, today=TODAY)
    assert info.sex == "P"
    assert info.birth_date == date(1990, 5, 15)


def test_a_two_digit_year_after_this_year_is_last_century() -> None:
    assert parse_nik("1571010101270001", today=TODAY).birth_date == date(1927, 1, 1)
    assert parse_nik("1571010101260001", today=TODAY).birth_date == date(2026, 1, 1)


def test_a_regency_code_below_70_is_a_kabupaten() -> None:
    assert not parse_nik("1505011505900001", today=TODAY).is_city


@pytest.mark.parametrize(
    "nik",
    [
        "157101150590001",
        "15710115059000011",
        "15710115059O0001",
        "",
        "".join(chr(0xFF10 + int(c)) for c in MAN),
    ],
)  # full-width
def test_a_nik_must_be_exactly_16_ascii_digits(nik: str) -> None:
    assert _rule(nik) == "NIK_FORMAT"


@pytest.mark.parametrize("province", ["00", "10", "97", "99"])
def test_the_province_code_is_between_11_and_96(province: str) -> None:
    assert _rule(province + MAN[2:]) == "NIK_PROVINCE"


@pytest.mark.parametrize("regency", ["00", "70"])
def test_the_regency_code_is_01_to_69_or_a_city_code_71_to_99(regency: str) -> None:
    assert _rule(MAN[:2] + regency + MAN[4:]) == "NIK_REGENCY"


def test_the_district_code_is_never_00() -> None:
    assert _rule(MAN[:4] + "00" + MAN[6:]) == "NIK_DISTRICT"


def test_the_serial_is_never_0000() -> None:
    assert _rule(MAN[:12] + "0000") == "NIK_SERIAL"


@pytest.mark.parametrize(
    ("ddmmyy", "rule"),
    [
        ("000590", "NIK_BIRTH_DAY"),
        ("320590", "NIK_BIRTH_DAY"),
        ("400590", "NIK_BIRTH_DAY"),
        ("720590", "NIK_BIRTH_DAY"),
        ("150090", "NIK_BIRTH_MONTH"),
        ("151390", "NIK_BIRTH_MONTH"),
        ("310490", "NIK_BIRTH_DATE"),
        ("290201", "NIK_BIRTH_DATE"),
        ("690201", "NIK_BIRTH_DATE"),
        ("011226", "NIK_BIRTH_DATE_FUTURE"),
    ],
)
def test_strict_mode_rejects_an_impossible_birth_date(ddmmyy: str, rule: str) -> None:
    assert _rule(MAN[:6] + ddmmyy + "0001") == rule


def test_the_29th_of_february_of_a_leap_year_is_a_date() -> None:
    assert parse_nik("1571016902000001", today=TODAY).birth_date == date(2000, 2, 29)


def test_lenient_mode_warns_about_an_old_nik_s_date_instead_of_raising() -> None:
    info = parse_nik(MAN[:6] + "310490" + "0001", strict=False, today=TODAY)
    assert info.birth_date is None
    assert info.sex == "L"
    assert [w.rule for w in info.warnings] == ["NIK_BIRTH_DATE"]
    unknown_sex = parse_nik(MAN[:6] + "350590" + "0001", strict=False, today=TODAY)
    assert unknown_sex.sex is None


def test_lenient_mode_still_rejects_a_bad_region_or_serial() -> None:
    assert _rule("10" + MAN[2:], strict=False) == "NIK_PROVINCE"
    assert _rule(MAN[:12] + "0000", strict=False) == "NIK_SERIAL"


def test_errors_name_the_field_and_speak_english_and_indonesian() -> None:
    with pytest.raises(NikError) as caught:
        parse_nik("123", today=TODAY)
    error = caught.value
    assert error.field == "nik"
    assert "16 digits" in error.message
    assert "16 angka" in error.message


def test_a_form_that_agrees_with_the_nik_has_no_problems() -> None:
    assert check_matches(parse_nik(WOMAN, today=TODAY), "P", date(1990, 5, 15)) == []


def test_reports_a_sex_that_disagrees_with_the_nik() -> None:
    problems = check_matches(parse_nik(WOMAN, today=TODAY), "L", date(1990, 5, 15))
    assert [(p.field, p.rule) for p in problems] == [("sex", "NIK_SEX_MISMATCH")]


def test_reports_a_birth_date_that_disagrees_with_the_nik() -> None:
    problems = check_matches(parse_nik(MAN, today=TODAY), "L", date(1990, 5, 16))
    assert [(p.field, p.rule) for p in problems] == [("birth_date", "NIK_BIRTH_DATE_MISMATCH")]


def test_a_birth_date_a_century_apart_agrees_since_the_nik_has_two_year_digits() -> None:
    nik = "1571010101250001"  # reads as 2025; the holder may have been born in 1925
    assert check_matches(parse_nik(nik, today=TODAY), "L", date(1925, 1, 1)) == []


def test_an_undecodable_date_is_not_compared() -> None:
    info = parse_nik(MAN[:6] + "310490" + "0001", strict=False, today=TODAY)
    assert check_matches(info, "L", date(1990, 4, 30)) == []


def test_a_kk_number_encodes_region_issue_date_and_serial() -> None:
    info = parse_kk("1571011203150007", today=TODAY)
    assert (info.region, info.issue_date, info.serial) == ("157101", date(2015, 3, 12), "0007")


@pytest.mark.parametrize(
    ("kk", "rule"),
    [
        ("157101120315000", "KK_FORMAT"),
        ("1071011203150007", "KK_REGION"),
        ("1500011203150007", "KK_REGION"),
        ("1571001203150007", "KK_REGION"),
        ("1571015203150007", "KK_ISSUE_DATE"),
        ("1571013102150007", "KK_ISSUE_DATE"),
        ("1571011203150000", "KK_SERIAL"),
    ],
)
def test_rejects_a_malformed_kk_number(kk: str, rule: str) -> None:
    with pytest.raises(NikError) as caught:
        parse_kk(kk, today=TODAY)
    assert (caught.value.field, caught.value.rule) == ("kk", rule)
    assert kk not in str(caught.value)


def test_lenient_mode_warns_about_a_kk_issue_date() -> None:
    info = parse_kk("1571013102150007", strict=False, today=TODAY)
    assert info.issue_date is None
    assert [w.rule for w in info.warnings] == ["KK_ISSUE_DATE"]
