"""What other registries say about a resident: the inputs of the verification rules.

- ``CivilRecord``: the civil registry (Dukcapil, Dinas Kependudukan dan Pencatatan Sipil)
  — alive or dead, and the domicile from the family card (KK), which may differ from the
  region coded in the NIK (where the person was *first* registered).
- ``DtksRecord``: the social-welfare registry (DTKS, being replaced by DTSEN) — the
  household's welfare decile, 1 (poorest) to 10.
- ``BpjsMembership``: a BPJS Kesehatan peserta look-up — the segment (``jenisPeserta``)
  and the status (``statusPeserta``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from jkn_contracts import Membership

__all__ = [
    "JENIS_PBI_APBD",
    "JENIS_PBI_APBN",
    "STATUS_AKTIF",
    "STATUS_MENINGGAL",
    "BpjsMembership",
    "CivilRecord",
    "DtksRecord",
]

JENIS_PBI_APBN = "21"  # PBI (APBN): premiums paid by the central budget
JENIS_PBI_APBD = "22"  # PBI (APBD): premiums paid by a province or city — this program
STATUS_AKTIF = "0"
STATUS_MENINGGAL = "2"


@dataclass(frozen=True, slots=True)
class CivilRecord:
    """A Dukcapil record. ``domicile_city_code``: 4-digit Kemendagri code, e.g. "1571"."""

    alive: bool
    domicile_city_code: str
    kelurahan: str
    death_date: date | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}", self.domicile_city_code):
            raise ValueError("domicile_city_code must be 4 digits")
        if not re.fullmatch(r"\d{10}", self.kelurahan):
            raise ValueError("kelurahan must be a 10-digit Kemendagri code")
        if self.alive and self.death_date is not None:
            raise ValueError("a living resident has no death_date")


@dataclass(frozen=True, slots=True)
class DtksRecord:
    """A DTKS/DTSEN entry: the welfare ``decile``, 1 (poorest) to 10."""

    decile: int

    def __post_init__(self) -> None:
        if not 1 <= self.decile <= 10:
            raise ValueError("decile must be between 1 and 10")


@dataclass(frozen=True, slots=True)
class BpjsMembership:
    """A participation known to BPJS Kesehatan (segment and status codes, as BPJS sends them)."""

    jenis_peserta_kode: str
    jenis_peserta: str
    status_kode: str
    status: str

    @classmethod
    def from_contract(cls, membership: Membership) -> BpjsMembership:
        """Take the fields the rules need from a ``CoverageReported`` membership."""
        return cls(
            jenis_peserta_kode=membership.jenis_peserta_kode,
            jenis_peserta=membership.jenis_peserta,
            status_kode=membership.status_kode,
            status=membership.status,
        )

    @property
    def is_active(self) -> bool:
        """True when BPJS reports status 0 AKTIF."""
        return self.status_kode.strip() == STATUS_AKTIF

    @property
    def is_deceased(self) -> bool:
        """True when BPJS reports status 2 Meninggal."""
        return self.status_kode.strip() == STATUS_MENINGGAL
