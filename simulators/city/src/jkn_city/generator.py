"""Generating the synthetic city, one household (one KK) at a time, from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bpjs_bridging.codes import (
    JENIS_PBI_APBN,
    JENIS_PBPU,
    JENIS_PPU,
    KELAS_III,
    STATUS_AKTIF,
    STATUS_MENINGGAL,
    STATUS_NON_AKTIF_PREMI,
)
from jkn_contracts.nik import check_matches, parse_kk, parse_nik

from jkn_city.ids import SerialBook, kk_number, nik_number
from jkn_city.model import City, Coverage, Resident
from jkn_city.names import person_name, street_address
from jkn_city.regions import CITY_CODE, ELSEWHERE, KELURAHAN, puskesmas_for

__all__ = ["DEFAULT_AS_OF", "OPEN_ENDED", "generate_city"]

DEFAULT_AS_OF = date(2025, 7, 1)
"""Reference 'today' of a generated city, fixed so that a seed always gives the same city."""

OPEN_ENDED = date(2099, 12, 31)
"""tglTAT of a participation with no planned end."""

_OLDEST_BIRTH_YEAR = 1940  # keeps every two-digit birth year unambiguous until 2039
_DECILE_WEIGHTS = (16, 15, 14, 13, 10, 9, 8, 6, 5, 4)
_HOUSEHOLD_SIZES = ((1, 12), (2, 20), (3, 24), (4, 22), (5, 14), (6, 8))


@dataclass
class _Household:
    district: str  # 6-digit district of domicile
    domicile_city: str
    kelurahan: str
    address: str
    decile: int | None
    segment: str | None  # BPJS segment of the whole family, if covered
    kk: str


class _Generator:
    def __init__(self, seed: int, as_of: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.as_of = as_of
        self.niks = SerialBook()
        self.kks = SerialBook()
        self.cards = 0

    def household(self) -> _Household:
        rng = self.rng
        if rng.random() < 0.9:
            kel = rng.choice(KELURAHAN)
            district, city, code = kel.district, CITY_CODE, kel.code
            address = street_address(rng, kel.name)
        else:
            region = rng.choice(ELSEWHERE)
            district = f"{region.code}{rng.randint(1, region.districts):02d}"
            city, code = region.code, f"{district}{2001 + rng.randint(0, 14)}"
            address = street_address(rng, region.name)
        decile = rng.choices(range(1, 11), _DECILE_WEIGHTS)[0] if rng.random() < 0.5 else None
        issued = self.as_of - timedelta(days=rng.randint(30, 17 * 365))
        kk = kk_number(district, issued, self.kks.next(kk_number(district, issued, 0)[:12]))
        return _Household(district, city, code, address, decile, self._segment(decile), kk)

    def _segment(self, decile: int | None) -> str | None:
        roll = self.rng.random()
        table: tuple[tuple[str, float], ...]
        if decile is not None and decile <= 4:
            table = ((JENIS_PBI_APBN, 0.35), (JENIS_PPU, 0.45))
        elif decile is not None:
            table = ((JENIS_PBI_APBN, 0.15), (JENIS_PPU, 0.40), (JENIS_PBPU, 0.55))
        else:
            table = ((JENIS_PPU, 0.50), (JENIS_PBPU, 0.80))
        return next((segment for segment, upto in table if roll < upto), None)

    def birth_date(self, min_age: int, max_age: int) -> date:
        latest = self.as_of - timedelta(days=365 * min_age + 1)
        earliest = max(
            self.as_of - timedelta(days=365 * (max_age + 1)), date(_OLDEST_BIRTH_YEAR, 1, 1)
        )
        return earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def nik(self, home: _Household, sex: str, born: date) -> str:
        rng = self.rng
        district = home.district
        moved_in = rng.random() < (0.2 if home.domicile_city == CITY_CODE else 0.3)
        if moved_in and home.domicile_city == CITY_CODE:
            region = rng.choice(ELSEWHERE)
            district = f"{region.code}{rng.randint(1, region.districts):02d}"
        elif moved_in:  # first registered in Jambi City, living elsewhere now
            district = rng.choice(KELURAHAN).district
        prefix = nik_number(district, sex, born, 0)[:12]
        return nik_number(district, sex, born, self.niks.next(prefix))

    def person(self, home: _Household, sex: Literal["L", "P"], born: date) -> Resident:
        rng = self.rng
        age_days = (self.as_of - born).days
        dies = rng.random() < (0.12 if age_days > 65 * 365 else 0.01)
        death = self.as_of - timedelta(days=rng.randint(1, 3 * 365)) if dies else None
        if death is not None and death <= born:
            death = None
        phone = f"08{rng.randint(11, 99)}{rng.randint(10_000_000, 99_999_999)}"
        return Resident(
            nik=self.nik(home, sex, born),
            kk=home.kk,
            name=person_name(rng, sex),
            sex=sex,
            birth_date=born,
            kelurahan=home.kelurahan,
            address=home.address,
            domicile_city=home.domicile_city,
            alive=death is None,
            death_date=death,
            welfare_decile=home.decile,
            phone=phone if age_days > 17 * 365 and rng.random() < 0.7 else None,
            coverage=self.coverage(home, born, death),
        )

    def coverage(self, home: _Household, born: date, death: date | None) -> Coverage | None:
        if home.segment is None:
            return None
        rng = self.rng
        self.cards += 1
        status, tat = STATUS_AKTIF, OPEN_ENDED
        lapsed = self.as_of - timedelta(days=rng.randint(30, 700))
        if home.segment == JENIS_PBPU and rng.random() < 0.3 and lapsed > born:
            status, tat = STATUS_NON_AKTIF_PREMI, lapsed
        if death is not None and rng.random() < 0.6:  # the rest: cards of the dead still active
            status, tat = STATUS_MENINGGAL, death
        start = max(born, min(tat, self.as_of) - timedelta(days=rng.randint(60, 3000)))
        kd, nm = puskesmas_for(home.district)
        return Coverage(
            no_kartu=f"{1_000_000_000 + self.cards:013d}",
            segment=home.segment,
            status=status,
            kelas=KELAS_III if home.segment == JENIS_PBI_APBN else rng.choice("123"),
            kd_provider=kd,
            nm_provider=nm,
            tmt=start,
            tat=tat,
        )

    def family(self, home: _Household, room: int) -> list[Resident]:
        rng = self.rng
        size = min(room, rng.choices(*zip(*_HOUSEHOLD_SIZES, strict=True))[0])
        head_sex: Literal["L", "P"] = "L" if rng.random() < 0.85 else "P"
        head_born = self.birth_date(22, 84)
        people = [self.person(home, head_sex, head_born)]
        if size >= 2 and rng.random() < 0.85:
            spouse_sex: Literal["L", "P"] = "P" if head_sex == "L" else "L"
            people.append(self.person(home, spouse_sex, self.birth_date(20, 84)))
        head_age = (self.as_of - head_born).days // 365
        while len(people) < size:
            sex: Literal["L", "P"] = "L" if rng.random() < 0.5 else "P"
            people.append(self.person(home, sex, self.birth_date(0, max(0, head_age - 18))))
        return people


def _validate(resident: Resident, as_of: date) -> None:
    info = parse_nik(resident.nik, today=as_of)
    if check_matches(info, resident.sex, resident.birth_date):
        raise AssertionError("generated NIK disagrees with its holder")  # pragma: no cover
    parse_kk(resident.kk, today=as_of)


def generate_city(seed: int, size: int, *, as_of: date = DEFAULT_AS_OF) -> City:
    """A synthetic Jambi City of ``size`` people, the same for the same seed and ``as_of``.

    About 90% of households live in the city (some members first registered elsewhere),
    10% live in neighbouring regions (some first registered in Jambi City); half are in
    DTKS with a welfare decile; some are covered by BPJS as PBI APBN (21), PPU (13) or
    PBPU (14); a few people have died (some with a card still active). Every NIK and KK
    is checked with :mod:`jkn_contracts.nik` in strict mode.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    gen = _Generator(seed, as_of)
    residents: list[Resident] = []
    while len(residents) < size:
        residents.extend(gen.family(gen.household(), size - len(residents)))
    for resident in residents:
        _validate(resident, as_of)
    return City(seed=seed, as_of=as_of, residents=tuple(residents))
