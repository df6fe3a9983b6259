"""Domain rules hold for any input (hypothesis): the NIK structure and the effective dates.

- Any string is either a NIK whose decoding says what its digits say, or refused with a
  NikError naming the field and one of the known rules; nothing else is raised, and the
  message never repeats the number.
- A NIK built from a real region, a real past birth date (day + 40 for women) and a
  non-zero serial is accepted strictly and decodes back to that sex and date.
- BPJS effective dates: a registration is covered on the day (UHC prioritas) or from the
  1st of the next month; a removal ends coverage on a 1st, one month after when filed by
  the cut-off day, two otherwise, and never sooner for a later filing.
"""

from __future__ import annotations

from datetime import date

from bpjs_gateway.domain.effective_dates import (
    activation_effective_date,
    deactivation_effective_date,
    first_of_month_after,
)
from hypothesis import given
from hypothesis import strategies as st
from jkn_contracts.nik import NikError, parse_nik

TODAY = date(2026, 11, 29)
RULES = {
    "NIK_FORMAT", "NIK_PROVINCE", "NIK_REGENCY", "NIK_DISTRICT", "NIK_SERIAL",
    "NIK_BIRTH_DAY", "NIK_BIRTH_MONTH", "NIK_BIRTH_DATE", "NIK_BIRTH_DATE_FUTURE",
}  # fmt: skip

NIK_LIKE = st.one_of(
    st.text(max_size=20),
    st.text(alphabet="0123456789", min_size=16, max_size=16),
    st.text(alphabet=st.sampled_from("0123456789²٣ "), min_size=16, max_size=16),
)


@given(NIK_LIKE, st.booleans())
def test_any_string_is_a_decoded_nik_or_a_named_refusal(text: str, strict: bool) -> None:
    try:
        info = parse_nik(text, strict=strict, today=TODAY)
    except NikError as refused:
        refusal: NikError | None = refused
    else:
        refusal = None
    if refusal is not None:
        assert refusal.field == "nik"
        assert refusal.rule in RULES
        assert len(text) < 10 or text not in str(refusal)
        return
    assert len(text) == 16
    assert text.isascii()
    assert text.isdigit()
    assert (info.province, info.regency, info.district) == (text[:2], text[:4], text[:6])
    assert info.serial == text[12:] != "0000"
    if strict:
        assert info.birth_date is not None
        assert info.birth_date <= TODAY
        assert not info.warnings


@given(
    region=st.sampled_from(["157101", "157105", "150101", "317101", "960101"]),
    born=st.dates(min_value=date(1927, 1, 1), max_value=TODAY),
    female=st.booleans(),
    serial=st.integers(min_value=1, max_value=9999),
)
def test_a_nik_built_by_the_rules_is_accepted_and_decodes_back(
    region: str, born: date, female: bool, serial: int
) -> None:
    day = born.day + 40 if female else born.day
    nik = f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"

    info = parse_nik(nik, today=TODAY)

    assert info.sex == ("P" if female else "L")
    assert info.birth_date is not None
    assert (info.birth_date.day, info.birth_date.month) == (born.day, born.month)
    assert info.birth_date.year % 100 == born.year % 100


DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(DAYS, st.booleans())
def test_a_registration_is_covered_on_the_day_or_from_the_next_first(
    filed: date, uhc_prioritas: bool
) -> None:
    covered = activation_effective_date(filed, uhc_prioritas=uhc_prioritas)

    if uhc_prioritas:
        assert covered == filed
    else:
        assert covered.day == 1
        assert covered == first_of_month_after(filed)
        assert 1 <= (covered - filed).days <= 31


@given(DAYS, DAYS, st.integers(min_value=1, max_value=31))
def test_a_removal_ends_coverage_on_a_first_never_sooner_for_a_later_filing(
    filed: date, later: date, cutoff: int
) -> None:
    ends = deactivation_effective_date(filed, cutoff_day=cutoff)

    assert ends.day == 1
    assert ends > filed
    months = (ends.year * 12 + ends.month) - (filed.year * 12 + filed.month)
    assert months == (1 if filed.day <= cutoff else 2)
    if later >= filed:
        assert deactivation_effective_date(later, cutoff_day=cutoff) >= ends
