"""Personal columns at rest: sealed under the resident's key, unreadable once it is destroyed,
bound to their table, column and row; keyed hashes for equality only."""

from __future__ import annotations

from typing import Any

import pytest
from jkn_bus.at_rest import ResidentColumns, keyed_hash
from jkn_bus.keyring import MemoryKeyring
from jkn_bus.personal_data import PersonalDataErased, PersonalDataUnreadable

PID = "P" + "a1" * 12
OTHER = "P" + "b2" * 12
CONN: Any = None  # the memory keyring takes no connection


async def test_a_residents_columns_open_to_what_was_sealed_and_none_stays_none() -> None:
    columns = ResidentColumns(MemoryKeyring(), "proposals")
    sealed = await columns.seal(
        CONN, PID, {"name": "Siti Aminah", "phone": None, "nik": "1571015501900001"}, create=True
    )
    assert sealed["phone"] is None
    assert all(b"Siti" not in (v or b"") and b"157101" not in (v or b"") for v in sealed.values())
    assert await columns.open(CONN, PID, sealed) == {
        "name": "Siti Aminah",
        "phone": None,
        "nik": "1571015501900001",
    }


async def test_the_same_value_seals_differently_each_time() -> None:
    columns = ResidentColumns(MemoryKeyring(), "proposals")
    first = await columns.seal(CONN, PID, {"name": "Budi"}, create=True)
    second = await columns.seal(CONN, PID, {"name": "Budi"})
    assert first["name"] != second["name"]


async def test_erasing_the_resident_makes_every_sealed_column_unreadable() -> None:
    keyring = MemoryKeyring()
    columns = ResidentColumns(keyring, "proposals")
    sealed = await columns.seal(CONN, PID, {"name": "Siti Aminah"}, create=True)
    await keyring.destroy(CONN, PID)
    with pytest.raises(PersonalDataErased):
        await columns.open(CONN, PID, sealed)


async def test_a_resident_proposed_again_after_erasure_does_not_reopen_the_old_rows() -> None:
    keyring = MemoryKeyring()
    columns = ResidentColumns(keyring, "proposals")
    old = await columns.seal(CONN, PID, {"name": "Siti Aminah"}, create=True)
    await keyring.destroy(CONN, PID)
    new = await columns.seal(CONN, PID, {"name": "Siti Aminah"}, create=True)
    assert await columns.open(CONN, PID, new) == {"name": "Siti Aminah"}
    with pytest.raises(PersonalDataErased):
        await columns.open(CONN, PID, old)


async def test_a_value_moved_to_another_column_row_or_table_does_not_open() -> None:
    keyring = MemoryKeyring()
    columns = ResidentColumns(keyring, "proposals")
    sealed = await columns.seal(CONN, PID, {"name": "Siti Aminah"}, create=True)
    await columns.seal(CONN, OTHER, {"name": "x"}, create=True)
    with pytest.raises(PersonalDataUnreadable):
        await columns.open(CONN, PID, {"address": sealed["name"]})
    with pytest.raises((PersonalDataUnreadable, PersonalDataErased)):
        await columns.open(CONN, OTHER, sealed)
    with pytest.raises(PersonalDataUnreadable):
        await ResidentColumns(keyring, "contacts").open(CONN, PID, sealed)


async def test_a_truncated_or_foreign_value_is_refused_as_unreadable() -> None:
    columns = ResidentColumns(MemoryKeyring(), "proposals")
    sealed = await columns.seal(CONN, PID, {"name": "Siti Aminah"}, create=True)
    blob = sealed["name"]
    assert blob is not None
    with pytest.raises(PersonalDataUnreadable):
        await columns.open(CONN, PID, {"name": blob[:20]})
    with pytest.raises(PersonalDataUnreadable):
        await columns.open(CONN, PID, {"name": b"\x02" + blob[1:]})


def test_keyed_hashes_match_for_equal_values_and_differ_by_purpose_and_key() -> None:
    kk = "1571010101230001"
    assert keyed_hash("k", "kk", kk) == keyed_hash("k", "kk", kk)
    assert keyed_hash("k", "kk", kk) != keyed_hash("k", "nik", kk)
    assert keyed_hash("k", "kk", kk) != keyed_hash("other", "kk", kk)
    assert len(keyed_hash("k", "kk", kk)) == 32
