"""What the domain events share: the identifiers' formats, the payload base, who a
resident is and the sealed field sets (``jkn_contracts.events``)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DeactivationReason",
    "KelurahanCode",
    "Kk",
    "Nik",
    "NoKartu",
    "Payload",
    "ProposalSource",
    "Resident",
    "SealedCoverageCheck",
    "SealedRegistration",
    "SealedVerification",
    "version_2",
]


Nik = Annotated[
    str, Field(pattern=r"^\d{16}$", description="NIK: 16-digit national id (personal data).")
]
Kk = Annotated[
    str, Field(pattern=r"^\d{16}$", description="KK: 16-digit family card number (personal data).")
]
NoKartu = Annotated[str, Field(pattern=r"^\d{13}$", description="BPJS card number (13 digits).")]
KelurahanCode = Annotated[
    str, Field(pattern=r"^\d{10}$", description="Kemendagri code of the kelurahan (10 digits).")
]


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Resident(Payload):
    """Who the resident is, as proposed (Dinas Sosial's record). Personal data: never
    logged or traced, and on the bus only sealed, only the fields a consumer needs."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"] = Field(description="L = laki-laki (male), P = perempuan (female).")
    birth_date: date
    kelurahan: KelurahanCode
    address: str = Field("", max_length=300)
    phone: str | None = Field(
        None, pattern=r"^\+?\d{8,15}$", description="For SMS/WhatsApp notices."
    )
    email: str | None = Field(None, max_length=200)


class SealedRegistration(Payload):
    """The personal fields sealed in a ParticipantRegistered (its consumers' needs)."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"]
    birth_date: date
    kelurahan: KelurahanCode
    phone: str | None = Field(None, pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(None, max_length=200)


class SealedVerification(Payload):
    """The personal fields sealed in a ParticipantVerified (the gateway's and notifications')."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"]
    birth_date: date
    phone: str | None = Field(None, pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(None, max_length=200)


class SealedCoverageCheck(Payload):
    """The personal field sealed in a CoverageCheckRequested: the NIK BPJS is asked about."""

    nik: Nik


def version_2() -> Any:
    return Field(2, ge=2, le=2, description="Version 2: personal fields sealed in `personal`.")


class ProposalSource(StrEnum):
    DTKS = "dtks"  # from the social-welfare registry (DTKS/DTSEN)
    KELURAHAN = "kelurahan"  # proposed by a kelurahan officer
    WALK_IN = "walk_in"  # a resident who came to the office
    REGISTRY_REFILL = "registry_refill"  # chosen from the registry to refill freed quota


class DeactivationReason(StrEnum):
    MENINGGAL = "meninggal"  # dead
    PINDAH = "pindah"  # moved out of the city
    GANDA = "ganda"  # duplicate record
    TIDAK_DITEMUKAN = "tidak_ditemukan"  # not found (at the address / in the registry)
    MAMPU = "mampu"  # no longer poor
    PINDAH_SEGMEN = "pindah_segmen"  # covered by another segment at BPJS (e.g. PPU)
