"""A proposal: Dinas Sosial (the city Social Service) puts a resident forward for the
city-paid program (PBI APBD), from the welfare registry (DTKS), a kelurahan (urban
village office) or a walk-in at the office.

``validate_proposal`` turns a form or a CSV row into a ``Proposal`` or the list of every
problem found. New proposals are checked strictly; imports of old records leniently: a
NIK or KK that breaks only the date rule is kept, with the problem as a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from jkn_contracts import ProposalSource, Resident
from jkn_contracts.nik import NikError, NikInfo, check_matches, parse_kk, parse_nik

from enrollment.domain.fields import FieldError, FieldReader
from enrollment.domain.proposal_fields import (
    ALL_FIELDS,
    REQUIRED_FIELDS,
    birth_date_of,
    decile_of,
    email_of,
    name_of,
    phone_of,
    sex_of,
    source_of,
)

__all__ = ["ALL_FIELDS", "REQUIRED_FIELDS", "Proposal", "validate_proposal"]


@dataclass(frozen=True, slots=True)
class Proposal:
    """A valid proposal. Personal fields are left out of ``repr`` so it is safe to log."""

    nik: str = field(repr=False)
    kk: str = field(repr=False)
    name: str = field(repr=False)
    sex: Literal["L", "P"]
    birth_date: date = field(repr=False)
    kelurahan: str
    source: ProposalSource
    address: str = field(default="", repr=False)
    phone: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    welfare_decile: int | None = None
    warnings: tuple[FieldError, ...] = ()

    @property
    def nik_warnings(self) -> list[str]:
        """Rule codes of the lenient-mode NIK/KK findings, for ``RegisteredPayload``."""
        return [w.rule for w in self.warnings]

    def resident(self) -> Resident:
        """The resident as the contracts describe it (sealed into ParticipantRegistered)."""
        return Resident(
            nik=self.nik,
            kk=self.kk,
            name=self.name,
            sex=self.sex,
            birth_date=self.birth_date,
            kelurahan=self.kelurahan,
            address=self.address,
            phone=self.phone,
            email=self.email,
        )


def _identity(
    read: FieldReader, *, strict: bool, today: date | None
) -> tuple[str | None, str | None, NikInfo | None, list[FieldError]]:
    """NIK and KK, what the NIK encodes, and lenient-mode warnings."""
    warnings: list[FieldError] = []
    info: NikInfo | None = None
    nik, kk = read.text("nik"), read.text("kk")
    if nik is not None:
        try:
            info = parse_nik(nik, strict=strict, today=today)
            warnings += map(FieldError.from_problem, info.warnings)
        except NikError as error:
            read.errors.append(FieldError.from_problem(error.problem))
    if kk is not None:
        try:
            warnings += map(
                FieldError.from_problem, parse_kk(kk, strict=strict, today=today).warnings
            )
        except NikError as error:
            read.errors.append(FieldError.from_problem(error.problem))
    return nik, kk, info, warnings


def validate_proposal(
    fields: Mapping[str, str], *, strict: bool, today: date | None = None
) -> Proposal | list[FieldError]:
    """Check every field of a proposal; return the Proposal or every FieldError found.

    ``strict``: True for single proposals (any NIK/KK rule breaks it), False for imports
    (date-rule problems of the NIK/KK become ``Proposal.warnings``). ``today`` fixes the
    NIK century rule and the future-date checks (default: the current date).
    """
    read = FieldReader(fields)
    read.reject_unknown(ALL_FIELDS)
    nik, kk, info, warnings = _identity(read, strict=strict, today=today)
    name, sex = name_of(read), sex_of(read)
    born = birth_date_of(read, today or date.today())
    kelurahan = read.digits("kelurahan", 10, "KELURAHAN_FORMAT")
    address = read.text("address", required=False, max_length=300) or ""
    phone, email, source = phone_of(read), email_of(read), source_of(read)
    decile = decile_of(read)
    if info is not None and sex is not None and born is not None:
        read.errors += map(FieldError.from_problem, check_matches(info, sex, born))
    # A missing required field always leaves an error, so these None checks only narrow.
    if (
        read.errors
        or nik is None
        or kk is None
        or name is None
        or sex is None
        or born is None
        or kelurahan is None
        or source is None
    ):
        return read.errors
    return Proposal(
        nik=nik,
        kk=kk,
        name=name,
        sex=sex,
        birth_date=born,
        kelurahan=kelurahan,
        source=source,
        address=address,
        phone=phone,
        email=email,
        welfare_decile=decile,
        warnings=tuple(warnings),
    )
