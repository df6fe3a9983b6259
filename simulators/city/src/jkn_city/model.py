"""The synthetic city's people, their BPJS coverage, and the registry views agencies see."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bpjs_bridging.codes import HAK_KELAS, JENIS_PESERTA, STATUS_AKTIF, STATUS_PESERTA

__all__ = [
    "JENIS_PESERTA",
    "KELAS",
    "STATUS_PESERTA",
    "City",
    "CivilEntry",
    "CivilRegistry",
    "Coverage",
    "DtksView",
    "Resident",
]

KELAS = HAK_KELAS
"""hakKelas codes: the hospital ward class the participant is entitled to."""


@dataclass(frozen=True)
class Coverage:
    """A resident's participation at BPJS Kesehatan (what a VClaim peserta look-up shows)."""

    no_kartu: str
    segment: str  # jenisPeserta kode: 21 PBI APBN, 13 PPU, 14 PBPU
    status: str  # statusPeserta kode: 0 AKTIF, 2 Meninggal, 9 non-active (premium)
    kelas: str
    kd_provider: str
    nm_provider: str
    tmt: date  # coverage start
    tat: date  # coverage end

    @property
    def active(self) -> bool:
        """Whether BPJS reports the participation as active (status 0)."""
        return self.status == STATUS_AKTIF


@dataclass(frozen=True)
class Resident:
    """One person of the synthetic city. All of it is personal data, though made up.

    ``domicile_city`` is where the person lives (4-digit code); the NIK's region is where
    they were first registered, which may differ. ``welfare_decile`` is the DTKS/DTSEN
    decile (1 poorest .. 10), ``None`` when the household is not in DTKS.
    """

    nik: str
    kk: str
    name: str
    sex: Literal["L", "P"]
    birth_date: date
    kelurahan: str
    address: str
    domicile_city: str
    alive: bool
    death_date: date | None
    welfare_decile: int | None
    phone: str | None
    coverage: Coverage | None


@dataclass(frozen=True)
class CivilEntry:
    """What the civil registry (Dukcapil) says about a NIK."""

    alive: bool
    death_date: date | None
    domicile_city: str
    kelurahan: str


@dataclass(frozen=True)
class CivilRegistry:
    """The civil registry's view: look a NIK up, learn whether alive and where domiciled."""

    _entries: dict[str, CivilEntry]

    def lookup(self, nik: str) -> CivilEntry | None:
        """The entry for this NIK; ``None`` when Dukcapil does not know it."""
        return self._entries.get(nik)


@dataclass(frozen=True)
class DtksView:
    """The social-welfare registry's view (DTKS/DTSEN): NIK -> welfare decile."""

    _deciles: dict[str, int]

    def lookup(self, nik: str) -> int | None:
        """The decile (1 poorest .. 10); ``None`` when the NIK is not in DTKS."""
        return self._deciles.get(nik)


@dataclass(frozen=True)
class City:
    """A generated city: every resident, the seed and reference date that made it."""

    seed: int
    as_of: date
    residents: tuple[Resident, ...]
    _by_nik: dict[str, Resident] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_nik", {r.nik: r for r in self.residents})

    def __iter__(self) -> Iterator[Resident]:
        return iter(self.residents)

    def __len__(self) -> int:
        return len(self.residents)

    def resident(self, nik: str) -> Resident | None:
        """The resident with this NIK, if any."""
        return self._by_nik.get(nik)

    def civil_registry(self) -> CivilRegistry:
        """The civil registry view of everyone (residents and non-residents)."""
        return CivilRegistry(
            {
                r.nik: CivilEntry(r.alive, r.death_date, r.domicile_city, r.kelurahan)
                for r in self.residents
            }
        )

    def dtks(self) -> DtksView:
        """The DTKS view: the decile of everyone in DTKS."""
        return DtksView(
            {r.nik: r.welfare_decile for r in self.residents if r.welfare_decile is not None}
        )
