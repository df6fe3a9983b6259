"""The keyring against the real Postgres: who may read and write it, rotation of the KEK
while services read, and erasure by destroying a resident's key."""

from __future__ import annotations

import asyncio
import base64
import os

import asyncpg
import pytest
from jkn_bus.keyring import Keyring
from jkn_bus.keyring_cli import main, status
from jkn_bus.personal_data import (
    LocalKeks,
    PersonalDataErased,
    associated_data,
    open_sealed,
    seal,
)
from jkn_contracts import participant_id_for

K1, K2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))


def _pid(i: int) -> str:
    return participant_id_for(f"157101010190{i:04d}", "keyring-test")


async def test_only_enrollment_writes_readers_read_and_audit_cannot_reach_it(
    conns: dict[str, asyncpg.Connection],
) -> None:
    keyring = Keyring(LocalKeks.parse(f"k1={K1}"))
    dek = await keyring.create(conns["enrollment"], _pid(1))
    for reader in ("verification", "bpjs-gateway", "notifications"):
        assert (await keyring.get(conns[reader], dek.kid)).key == dek.key
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await keyring.create(conns[reader], _pid(2))
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await keyring.destroy(conns[reader], _pid(1))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await keyring.get(conns["audit"], dek.kid)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await conns["enrollment"].execute("DELETE FROM keyring.deks")
    # the wrapped key is not the key
    wrapped = await conns["enrollment"].fetchval(
        "SELECT wrapped FROM keyring.deks WHERE participant_id = $1", _pid(1)
    )
    assert dek.key not in bytes(wrapped)


async def test_destroying_a_key_erases_every_blob_sealed_under_it(
    conns: dict[str, asyncpg.Connection],
) -> None:
    keyring = Keyring(LocalKeks.parse(f"k1={K1}"))
    pid = _pid(3)
    dek = await keyring.create(conns["enrollment"], pid)
    assert (await keyring.create(conns["enrollment"], pid)).key == dek.key  # one per resident
    aad = associated_data("e1", pid, "ParticipantRegistered")
    sealed = seal(dek, b"Siti", aad=aad)
    assert await keyring.destroy(conns["enrollment"], pid)
    assert not await keyring.destroy(conns["enrollment"], pid)  # already gone
    for reader in ("enrollment", "verification", "bpjs-gateway", "notifications"):
        with pytest.raises(PersonalDataErased):
            await keyring.get(conns[reader], sealed.kid)
    row = await conns["enrollment"].fetchrow(
        "SELECT kek_id, wrapped, destroyed_at FROM keyring.deks WHERE participant_id = $1", pid
    )
    assert row["kek_id"] is None
    assert row["wrapped"] is None
    assert row["destroyed_at"] is not None
    # proposed again later: new data under a new key; the old blobs stay unreadable
    again = await keyring.create(conns["enrollment"], pid)
    assert again.version == 2
    assert again.key != dek.key
    with pytest.raises(PersonalDataErased):
        await keyring.get(conns["verification"], sealed.kid)
    assert (
        open_sealed(
            await keyring.get(conns["verification"], again.kid), seal(again, b"x", aad=aad), aad=aad
        )
        == b"x"
    )
    # a resident never proposed: a tombstone all the same
    assert not await keyring.destroy(conns["enrollment"], _pid(4))
    with pytest.raises(PersonalDataErased):
        await keyring.get(conns["verification"], f"{_pid(4)}.v1")


async def test_creating_many_keys_at_once_gives_each_resident_the_key_create_would(
    conns: dict[str, asyncpg.Connection],
) -> None:
    """An import's chunk creates its residents' keys in one statement: a new resident gets
    a new key, one who has a key keeps it, an erased one gets the next version."""
    keyring = Keyring(LocalKeks.parse(f"k1={K1}"))
    enrollment = conns["enrollment"]
    has_key, erased, new = _pid(20), _pid(21), _pid(22)
    kept = await keyring.create(enrollment, has_key)
    await keyring.create(enrollment, erased)
    await keyring.destroy(enrollment, erased)
    keys = await keyring.create_many(enrollment, [has_key, erased, new, new])
    assert list(keys) == [has_key, erased, new]
    assert keys[has_key] == kept
    assert keys[erased].version == 2
    assert keys[new].version == 1
    for pid, dek in keys.items():
        assert await keyring.get(conns["verification"], dek.kid) == dek, pid


async def test_rewrap_keeps_every_key_readable_during_and_after(
    database: dict[str, str], conns: dict[str, asyncpg.Connection]
) -> None:
    old = Keyring(LocalKeks.parse(f"k1={K1}"))
    pids = [_pid(100 + i) for i in range(60)]
    keys = {}
    for pid in pids:
        keys[pid] = (await old.create(conns["enrollment"], pid)).key
    rotated = Keyring(LocalKeks.parse(f"k1={K1},k2={K2}", "k2"))  # every service's config
    done = asyncio.Event()
    reads = 0

    async def reader() -> None:  # a service reading while the rewrap runs
        nonlocal reads
        conn = await asyncpg.connect(database["notifications"])
        try:
            while not done.is_set():
                for pid in pids:
                    assert (await rotated.get(conn, f"{pid}.v1")).key == keys[pid]
                    reads += 1
                await asyncio.sleep(0)
        finally:
            await conn.close()

    async def rewrap() -> int:
        try:
            moved = 0
            while batch := await rotated.rewrap(conns["enrollment"], batch_size=7):
                moved += batch
                await asyncio.sleep(0.01)
            return moved
        finally:
            done.set()

    readers = [asyncio.create_task(reader()) for _ in range(2)]
    moved = await rewrap()
    await asyncio.gather(*readers)
    assert moved >= len(pids)
    assert reads > 0
    counts = await status(conns["enrollment"])
    assert "k1" not in counts
    assert counts["k2"] >= len(pids)
    only_new = Keyring(LocalKeks.parse(f"k2={K2}"))  # the old KEK can now be dropped
    for pid in pids:
        assert (await only_new.get(conns["bpjs-gateway"], f"{pid}.v1")).key == keys[pid]


async def test_the_rewrap_command_moves_every_key_to_the_current_kek(
    database: dict[str, str],
    conns: dict[str, asyncpg.Connection],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    k3 = base64.b64encode(os.urandom(32)).decode()
    before = await status(conns["enrollment"])
    monkeypatch.setenv("JKN_KEKS", f"k1={K1},k2={K2},k3={k3}")  # the last one is current
    url = database["enrollment"]
    assert await asyncio.to_thread(main, ["rewrap", "--database-url", url]) == 0
    assert f"rewrapped {sum(n for k, n in before.items() if k != 'destroyed')} " in (
        capsys.readouterr().out
    )
    after = await status(conns["enrollment"])
    assert set(after) <= {"k3", "destroyed"}
    assert await asyncio.to_thread(main, ["status", "--database-url", url]) == 0
    assert "k3\t" in capsys.readouterr().out
