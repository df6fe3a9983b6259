"""The synthetic city: valid identity numbers, realistic shares, determinism, registry views."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable

import pytest
from jkn_city import City, Resident, generate_city
from jkn_city.regions import CITY_CODE, KECAMATAN, KELURAHAN
from jkn_contracts.nik import check_matches, parse_kk, parse_nik


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city(1571, 3000)


def test_every_generated_nik_parses_in_strict_mode_and_agrees_with_its_holder(city: City) -> None:
    for resident in city:
        for today in (city.as_of, None):
            info = parse_nik(resident.nik, strict=True, today=today)
            assert check_matches(info, resident.sex, resident.birth_date) == []
        assert info.birth_date == resident.birth_date


def test_every_kk_number_is_valid_and_shared_by_one_household(city: City) -> None:
    households: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for resident in city:
        parse_kk(resident.kk, today=city.as_of)
        households[resident.kk].add((resident.kelurahan, resident.domicile_city))
    assert all(len(places) == 1 for places in households.values())
    assert len(households) < len(city) / 2  # families, not one KK per person


def test_niks_and_card_numbers_are_unique(city: City) -> None:
    assert len({r.nik for r in city}) == len(city)
    cards = [r.coverage.no_kartu for r in city if r.coverage]
    assert len(set(cards)) == len(cards)
    assert all(re.fullmatch(r"\d{13}", card) for card in cards)


def test_the_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    assert generate_city(42, 500) == generate_city(42, 500)
    assert generate_city(42, 500) != generate_city(43, 500)


def test_the_city_has_eleven_kecamatan_with_kelurahan_codes_1571xx10yy() -> None:
    assert sorted(KECAMATAN) == [f"{CITY_CODE}{k:02d}" for k in range(1, 12)]
    assert {
        "Kota Baru",
        "Jambi Selatan",
        "Jelutung",
        "Pasar Jambi",
        "Telanaipura",
        "Danau Teluk",
        "Pelayangan",
        "Jambi Timur",
        "Alam Barajo",
        "Paal Merah",
        "Danau Sipin",
    } == set(KECAMATAN.values())
    for kel in KELURAHAN:
        assert re.fullmatch(r"1571(0[1-9]|1[01])10\d\d", kel.code), kel.code
    assert len({kel.code for kel in KELURAHAN}) == len(KELURAHAN)


def test_city_residents_live_in_a_city_kelurahan(city: City) -> None:
    codes = {kel.code for kel in KELURAHAN}
    for resident in city:
        assert (resident.kelurahan in codes) == (resident.domicile_city == CITY_CODE)
        assert re.fullmatch(r"\d{10}", resident.kelurahan)


def test_the_nik_region_is_where_people_were_first_registered_not_where_they_live(
    city: City,
) -> None:
    moved_in = [r for r in city if r.domicile_city == CITY_CODE and r.nik[:4] != CITY_CODE]
    moved_out = [r for r in city if r.domicile_city != CITY_CODE and r.nik[:4] == CITY_CODE]
    outside = [r for r in city if r.domicile_city != CITY_CODE]
    assert 0.1 < len(moved_in) / len(city) < 0.3
    assert 0.05 < len(outside) / len(city) < 0.2
    assert moved_out


def test_shares_of_dtks_coverage_and_deaths_are_plausible(city: City) -> None:
    def share(pred: Callable[[Resident], object]) -> float:
        return sum(1 for r in city if pred(r)) / len(city)

    assert 0.35 < share(lambda r: r.welfare_decile is not None) < 0.65
    assert 0.01 < share(lambda r: not r.alive) < 0.08
    segments = Counter(r.coverage.segment for r in city if r.coverage)
    assert all(segments[s] / len(city) > 0.05 for s in ("21", "13", "14"))
    assert share(lambda r: r.coverage and r.coverage.status == "9") > 0
    assert all(r.death_date is None for r in city if r.alive)
    assert all(
        r.death_date is not None and r.death_date > r.birth_date for r in city if not r.alive
    )


def test_the_civil_registry_knows_life_and_domicile(city: City) -> None:
    registry = city.civil_registry()
    for resident in city.residents[:200]:
        entry = registry.lookup(resident.nik)
        assert entry is not None
        assert (entry.alive, entry.domicile_city, entry.kelurahan) == (
            resident.alive,
            resident.domicile_city,
            resident.kelurahan,
        )
    assert registry.lookup("1571010101900001") is None or city.resident("1571010101900001")


def test_dtks_gives_the_decile_or_nothing(city: City) -> None:
    dtks = city.dtks()
    for resident in city:
        assert dtks.lookup(resident.nik) == resident.welfare_decile
