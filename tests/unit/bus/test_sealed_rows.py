"""A service's personal columns at rest (jkn_bus.sealed_rows): a participant's under their
key, falling back to the service's own when the keyring has no live key of theirs, a row
about no participant under the service's key; read sealed, else clear (a row not yet
converted); an erased resident's values read as None."""

from __future__ import annotations

from typing import Any

from jkn_bus.at_rest import RESIDENT, SERVICE, ServiceKeys
from jkn_bus.keyring import MemoryKeyring
from jkn_bus.personal_data import LocalKeks
from jkn_bus.sealed_rows import PersonalColumns

PID = "P" + "a1" * 12
KEYLESS = "P" + "c3" * 12


class DataKeysTable:
    """The service's ``data_keys`` table, as much of it as ServiceKeys uses."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    async def fetchrow(self, query: str, *args: Any) -> dict[str, Any] | None:
        if args:
            return self.rows.get(args[0])
        return self.rows[max(self.rows)] if self.rows else None

    async def execute(self, query: str, kek_id: str, wrapped: bytes) -> None:
        self.rows.setdefault(1, {"version": 1, "kek_id": kek_id, "wrapped": wrapped})


def columns(keyring: MemoryKeyring) -> PersonalColumns:
    return PersonalColumns(keyring, ServiceKeys(LocalKeks.from_config()), "contacts")


def row(sealed: dict[str, bytes | None], **clear: str | None) -> dict[str, Any]:
    return {**{f"{c}_sealed": v for c, v in sealed.items()}, **clear}


async def test_a_participant_s_values_are_sealed_under_their_key_and_open_again() -> None:
    keyring, conn = MemoryKeyring(), DataKeysTable()
    keyring.create_now(PID)
    sealed = await columns(keyring).seal(
        conn, PID, {"name": "Siti Aminah", "email": None}, resident=True
    )

    name = sealed["name"]
    assert name is not None
    assert name[0] == RESIDENT
    assert sealed["email"] is None
    opened = await columns(keyring).open(
        conn, PID, row(sealed, name=None, email=None), ("name", "email")
    )
    assert opened == {"name": "Siti Aminah", "email": None}


async def test_a_resident_the_keyring_has_no_key_of_is_sealed_under_the_service_s_key() -> None:
    keyring, conn = MemoryKeyring(), DataKeysTable()
    sealed = await columns(keyring).seal(conn, KEYLESS, {"name": "Budi Lama"}, resident=True)

    name = sealed["name"]
    assert name is not None
    assert name[0] == SERVICE
    assert await columns(keyring).open(conn, KEYLESS, row(sealed, name=None), ("name",)) == {
        "name": "Budi Lama"
    }


async def test_an_erased_resident_s_values_read_as_none() -> None:
    keyring, conn = MemoryKeyring(), DataKeysTable()
    keyring.create_now(PID)
    sealed = await columns(keyring).seal(conn, PID, {"name": "Siti Aminah"}, resident=True)
    await keyring.destroy(conn, PID)

    assert await columns(keyring).open(conn, PID, row(sealed, name=None), ("name",)) == {
        "name": None
    }


async def test_a_row_not_yet_converted_is_read_from_its_clear_column() -> None:
    keyring, conn = MemoryKeyring(), DataKeysTable()
    legacy = row({"name": None}, name="Siti Aminah")

    assert await columns(keyring).open(conn, PID, legacy, ("name",)) == {"name": "Siti Aminah"}


async def test_empty_values_are_not_sealed_and_need_no_key() -> None:
    keyring, conn = MemoryKeyring(), DataKeysTable()
    sealed = await columns(keyring).seal(conn, PID, {"name": "", "phone": None}, resident=True)

    assert sealed == {"name": None, "phone": None}
    assert conn.rows == {}  # not even the service's key was made
