"""Structure of the NIK (national id number) and the KK (family card number).

A NIK has 16 digits ``PP KK CC DDMMYY SSSS``: province (11-96), regency (01-69) or city
(71-99), district (01-99), birth date (women add 40 to the day: 41-71) and a serial that
is never 0000. The region is where the person was *first* registered, not where they live.
Some old NIKs break the date rule, so imports parse in lenient mode (date problems become
warnings) while new proposals parse in strict mode.

A KK number has 16 digits: the 6-digit region of issue, the 6-digit issue date (DDMMYY,
no +40) and a 4-digit serial that is never 0000.

Every problem is reported with the field, a rule code and a sentence in English and
Bahasa Indonesia. No message ever contains the number itself: these errors end up in logs
and dead-letter reasons, and a NIK is personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "KkInfo",
    "NikError",
    "NikInfo",
    "NikProblem",
    "check_matches",
    "parse_kk",
    "parse_nik",
]

Sex = Literal["L", "P"]

_MESSAGES: dict[str, str] = {
    "NIK_FORMAT": "The NIK must be exactly 16 digits. / NIK harus terdiri dari tepat 16 angka.",
    "NIK_PROVINCE": "The NIK's province code (digits 1-2) must be between 11 and 96. / "
    "Kode provinsi pada NIK (angka ke-1 s.d. 2) harus antara 11 dan 96.",
    "NIK_REGENCY": "The NIK's regency/city code (digits 3-4) must be 01-69 or 71-99. / "
    "Kode kabupaten/kota pada NIK (angka ke-3 s.d. 4) harus 01-69 atau 71-99.",
    "NIK_DISTRICT": "The NIK's district code (digits 5-6) must be between 01 and 99. / "
    "Kode kecamatan pada NIK (angka ke-5 s.d. 6) harus antara 01 dan 99.",
    "NIK_BIRTH_DAY": "The NIK's birth day (digits 7-8) must be 01-31, or 41-71 for women. / "
    "Tanggal lahir pada NIK (angka ke-7 s.d. 8) harus 01-31, atau 41-71 untuk perempuan.",
    "NIK_BIRTH_MONTH": "The NIK's birth month (digits 9-10) must be between 01 and 12. / "
    "Bulan lahir pada NIK (angka ke-9 s.d. 10) harus antara 01 dan 12.",
    "NIK_BIRTH_DATE": "The NIK's birth date (digits 7-12) is not a real calendar date. / "
    "Tanggal lahir pada NIK (angka ke-7 s.d. 12) bukan tanggal yang sah.",
    "NIK_BIRTH_DATE_FUTURE": "The NIK's birth date (digits 7-12) lies in the future. / "
    "Tanggal lahir pada NIK (angka ke-7 s.d. 12) berada di masa depan.",
    "NIK_SERIAL": "The NIK's serial number (digits 13-16) must not be 0000. / "
    "Nomor urut pada NIK (angka ke-13 s.d. 16) tidak boleh 0000.",
    "NIK_SEX_MISMATCH": "The sex on the form does not agree with the NIK. / "
    "Jenis kelamin pada formulir tidak sesuai dengan NIK.",
    "NIK_BIRTH_DATE_MISMATCH": "The birth date on the form does not agree with the NIK. / "
    "Tanggal lahir pada formulir tidak sesuai dengan NIK.",
    "KK_FORMAT": "The KK number must be exactly 16 digits. / "
    "Nomor KK harus terdiri dari tepat 16 angka.",
    "KK_REGION": "The KK number's region code (digits 1-6) is not a valid region. / "
    "Kode wilayah pada nomor KK (angka ke-1 s.d. 6) tidak sah.",
    "KK_ISSUE_DATE": "The KK number's issue date (digits 7-12) is not a real calendar date. / "
    "Tanggal terbit pada nomor KK (angka ke-7 s.d. 12) bukan tanggal yang sah.",
    "KK_SERIAL": "The KK number's serial (digits 13-16) must not be 0000. / "
    "Nomor urut pada nomor KK (angka ke-13 s.d. 16) tidak boleh 0000.",
}

# Rules about the encoded date: old NIKs sometimes break them, so lenient mode only warns.
_DATE_RULES = frozenset(
    {"NIK_BIRTH_DAY", "NIK_BIRTH_MONTH", "NIK_BIRTH_DATE", "NIK_BIRTH_DATE_FUTURE"}
)


@dataclass(frozen=True)
class NikProblem:
    """One finding about a NIK or KK: which field, which rule, and what it means."""

    field: str
    rule: str
    message: str

    @classmethod
    def of(cls, field: str, rule: str) -> NikProblem:
        """The problem for ``rule`` on ``field``, with its standard bilingual message."""
        return cls(field=field, rule=rule, message=_MESSAGES[rule])


class NikError(ValueError):
    """A NIK or KK number breaks a structural rule. The message never contains the number."""

    def __init__(self, problem: NikProblem) -> None:
        super().__init__(f"{problem.field}: {problem.rule}: {problem.message}")
        self.problem = problem
        self.field = problem.field
        self.rule = problem.rule
        self.message = problem.message


@dataclass(frozen=True)
class NikInfo:
    """What a NIK says about its holder.

    ``birth_date`` and ``sex`` are ``None`` only in lenient mode, when the encoded date is
    unusable; ``warnings`` then says why.
    """

    province: str  # 2 digits, e.g. "15" (Jambi)
    regency: str  # 4 digits, e.g. "1571" (Jambi City)
    district: str  # 6 digits, e.g. "157101"
    is_city: bool  # regency code 71-99 is a city (kota), 01-69 a regency (kabupaten)
    sex: Sex | None
    birth_date: date | None
    serial: str
    warnings: tuple[NikProblem, ...] = ()


@dataclass(frozen=True)
class KkInfo:
    """What a KK (family card) number says: where and when it was issued."""

    region: str  # 6 digits: province, regency, district of issue
    issue_date: date | None
    serial: str
    warnings: tuple[NikProblem, ...] = ()


def _century(yy: int, today: date) -> int:
    # Two-digit years: a year after this year's two digits must be last century.
    return 1900 + yy if yy > today.year % 100 else 2000 + yy


def _region_problem(region: str) -> str | None:
    province, regency, district = int(region[0:2]), int(region[2:4]), int(region[4:6])
    if not 11 <= province <= 96:
        return "NIK_PROVINCE"
    if not (1 <= regency <= 69 or 71 <= regency <= 99):
        return "NIK_REGENCY"
    if district == 0:
        return "NIK_DISTRICT"
    return None


def _birth(dd: int, mm: int, yy: int, today: date) -> tuple[Sex | None, date | None, str | None]:
    """Decode DDMMYY (day +40 for women) into sex, date, and the broken rule if any."""
    if 1 <= dd <= 31:
        sex: Sex | None = "L"
        day = dd
    elif 41 <= dd <= 71:
        sex, day = "P", dd - 40
    else:
        return None, None, "NIK_BIRTH_DAY"
    if not 1 <= mm <= 12:
        return sex, None, "NIK_BIRTH_MONTH"
    try:
        born = date(_century(yy, today), mm, day)
    except ValueError:
        return sex, None, "NIK_BIRTH_DATE"
    if born > today:
        return sex, None, "NIK_BIRTH_DATE_FUTURE"
    return sex, born, None


def parse_nik(nik: str, *, strict: bool = True, today: date | None = None) -> NikInfo:
    """Check a NIK's structure and decode it.

    Raises :class:`NikError` (``field="nik"``) on the first broken rule. With
    ``strict=False`` (imports of old records) date-rule problems are returned in
    ``NikInfo.warnings`` instead; region, format and serial problems still raise.
    ``today`` fixes the century rule and the future-date check (default: today).
    """
    today = today or date.today()
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        raise NikError(NikProblem.of("nik", "NIK_FORMAT"))
    region_rule = _region_problem(nik[0:6])
    if region_rule is not None:
        raise NikError(NikProblem.of("nik", region_rule))
    if nik[12:16] == "0000":
        raise NikError(NikProblem.of("nik", "NIK_SERIAL"))
    sex, born, date_rule = _birth(int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), today)
    warnings: tuple[NikProblem, ...] = ()
    if date_rule is not None:
        if strict:
            raise NikError(NikProblem.of("nik", date_rule))
        warnings = (NikProblem.of("nik", date_rule),)
    return NikInfo(
        province=nik[0:2],
        regency=nik[0:4],
        district=nik[0:6],
        is_city=int(nik[2:4]) >= 71,
        sex=sex,
        birth_date=born,
        serial=nik[12:16],
        warnings=warnings,
    )


def check_matches(nik_info: NikInfo, sex: str, birth_date: date) -> list[NikProblem]:
    """Problems where the form's sex or birth date disagree with what the NIK encodes.

    The NIK holds only two digits of the year, so the birth date agrees when day, month
    and the last two digits of the year agree (a person born in 1925 has a NIK that reads
    as 2025 from 2025 on). Parts the NIK could not decode (lenient mode) are not compared.
    """
    problems: list[NikProblem] = []
    if nik_info.sex is not None and sex != nik_info.sex:
        problems.append(NikProblem.of("sex", "NIK_SEX_MISMATCH"))
    encoded = nik_info.birth_date
    if encoded is not None and (
        (encoded.day, encoded.month, encoded.year % 100)
        != (birth_date.day, birth_date.month, birth_date.year % 100)
    ):
        problems.append(NikProblem.of("birth_date", "NIK_BIRTH_DATE_MISMATCH"))
    return problems


def parse_kk(kk: str, *, strict: bool = True, today: date | None = None) -> KkInfo:
    """Check a KK (family card) number's structure and decode it.

    Raises :class:`NikError` (``field="kk"``). With ``strict=False`` an impossible issue
    date becomes a warning instead.
    """
    today = today or date.today()
    if len(kk) != 16 or not kk.isascii() or not kk.isdigit():
        raise NikError(NikProblem.of("kk", "KK_FORMAT"))
    if _region_problem(kk[0:6]) is not None:
        raise NikError(NikProblem.of("kk", "KK_REGION"))
    if kk[12:16] == "0000":
        raise NikError(NikProblem.of("kk", "KK_SERIAL"))
    issued: date | None
    try:
        issued = date(_century(int(kk[10:12]), today), int(kk[8:10]), int(kk[6:8]))
    except ValueError:
        issued = None
    if issued is None or issued > today:
        if strict:
            raise NikError(NikProblem.of("kk", "KK_ISSUE_DATE"))
        return KkInfo(kk[0:6], None, kk[12:16], (NikProblem.of("kk", "KK_ISSUE_DATE"),))
    return KkInfo(region=kk[0:6], issue_date=issued, serial=kk[12:16])
