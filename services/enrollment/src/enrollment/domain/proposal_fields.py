"""Readers for the fields of a proposal other than NIK and KK (those are jkn_contracts.nik's).

Each takes a ``FieldReader`` and returns the cleaned value or None (with the error, if
any, recorded on the reader). Values are normalised the way officers type them: "p" is
"P", "0812-3456-789" is "+628123456789", "Walk-in" is ``ProposalSource.WALK_IN``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from jkn_contracts import ProposalSource

from enrollment.domain.fields import FieldReader

__all__ = [
    "ALL_FIELDS",
    "REQUIRED_FIELDS",
    "birth_date_of",
    "decile_of",
    "email_of",
    "name_of",
    "phone_of",
    "sex_of",
    "source_of",
]

REQUIRED_FIELDS = ("nik", "kk", "name", "sex", "birth_date", "kelurahan", "source")
ALL_FIELDS = (*REQUIRED_FIELDS, "address", "phone", "email", "welfare_decile")

# Officers may propose from these sources; registry_refill is the system's own.
_SOURCES = {
    s.value: s for s in (ProposalSource.DTKS, ProposalSource.KELURAHAN, ProposalSource.WALK_IN)
}


def name_of(read: FieldReader) -> str | None:
    """The name, 2-200 characters with at least one letter (a number is never a name)."""
    name = read.text("name")
    if name is None:
        return None
    if len(name) < 2 or not any(ch.isalpha() for ch in name):
        read.fail(
            "name",
            "NAME_FORMAT",
            "'name' must have at least 2 characters and contain letters. / "
            "'name' minimal 2 karakter dan harus mengandung huruf.",
        )
        return None
    return name


def sex_of(read: FieldReader) -> Literal["L", "P"] | None:
    """L (laki-laki, male) or P (perempuan, female)."""
    value = read.text("sex")
    if value is None:
        return None
    if value.upper() == "L":
        return "L"
    if value.upper() == "P":
        return "P"
    read.fail("sex", "SEX_VALUE", "'sex' must be L or P. / 'sex' harus L atau P.")
    return None


def birth_date_of(read: FieldReader, today: date) -> date | None:
    """A real calendar date written YYYY-MM-DD, not after ``today``."""
    value = read.text("birth_date")
    if value is None:
        return None
    born: date | None = None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            born = date.fromisoformat(value)
        except ValueError:
            born = None
    if born is None:
        read.fail(
            "birth_date",
            "DATE_FORMAT",
            "'birth_date' must be a real date written YYYY-MM-DD. / "
            "'birth_date' harus tanggal yang sah dengan format TTTT-BB-HH.",
        )
        return None
    if born > today:
        read.fail(
            "birth_date",
            "DATE_IN_FUTURE",
            "'birth_date' must not be in the future. / 'birth_date' tidak boleh di masa depan.",
        )
        return None
    return born


def phone_of(read: FieldReader) -> str | None:
    """An optional phone number, normalised to +62…; separators (space - . ( )) ignored."""
    value = read.text("phone", required=False)
    if value is None:
        return None
    number = re.sub(r"[\s\-.()]", "", value)
    if number.startswith("0"):
        number = "+62" + number[1:]
    elif number.startswith("62"):
        number = "+" + number
    if not re.fullmatch(r"\+\d{8,15}", number):
        read.fail(
            "phone",
            "PHONE_FORMAT",
            "'phone' must be a phone number such as 081234567890 or +6281234567890. / "
            "'phone' harus nomor telepon, misalnya 081234567890 atau +6281234567890.",
        )
        return None
    return number


def email_of(read: FieldReader) -> str | None:
    """An optional e-mail address of the form name@domain.tld."""
    value = read.text("email", required=False)
    if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        read.fail(
            "email",
            "EMAIL_FORMAT",
            "'email' must be an address such as nama@contoh.id. / "
            "'email' harus alamat seperti nama@contoh.id.",
        )
        return None
    return value


def source_of(read: FieldReader) -> ProposalSource | None:
    """dtks, kelurahan or walk_in (case and a hyphen in walk-in are forgiven)."""
    value = read.text("source")
    if value is None:
        return None
    source = _SOURCES.get(value.lower().replace("-", "_").replace(" ", "_"))
    if source is None:
        read.fail(
            "source",
            "SOURCE_VALUE",
            "'source' must be dtks, kelurahan or walk_in. / "
            "'source' harus dtks, kelurahan atau walk_in.",
        )
    return source


def decile_of(read: FieldReader) -> int | None:
    """An optional DTKS/DTSEN welfare decile, 1 (poorest) to 10."""
    value = read.text("welfare_decile", required=False)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 10):  # not "²"
        read.fail(
            "welfare_decile",
            "DECILE_VALUE",
            "'welfare_decile' must be a whole number from 1 to 10. / "
            "'welfare_decile' harus bilangan bulat 1 sampai 10.",
        )
        return None
    return int(value)
