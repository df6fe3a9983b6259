"""Registry records refuse values no registry would send."""

from __future__ import annotations

from datetime import date

import pytest
from jkn_contracts import Membership
from verification.domain import BpjsMembership, CivilRecord, DtksRecord


def test_a_dtks_decile_is_between_1_and_10() -> None:
    with pytest.raises(ValueError, match="decile"):
        DtksRecord(decile=11)


def test_a_civil_record_domicile_is_a_four_digit_city_code() -> None:
    with pytest.raises(ValueError, match="4 digits"):
        CivilRecord(alive=True, domicile_city_code="15", kelurahan="1571011001")


def test_a_living_resident_has_no_death_date() -> None:
    with pytest.raises(ValueError, match="death_date"):
        CivilRecord(True, "1571", "1571011001", death_date=date(2025, 1, 1))


def test_a_bpjs_membership_is_taken_from_the_contract() -> None:
    contract = Membership(
        no_kartu="0001234567890",
        jenis_peserta_kode="21",
        jenis_peserta="PBI (APBN)",
        status_kode="0",
        status="AKTIF",
    )
    membership = BpjsMembership.from_contract(contract)
    assert membership.is_active
    assert not membership.is_deceased
    assert membership.jenis_peserta_kode == "21"
