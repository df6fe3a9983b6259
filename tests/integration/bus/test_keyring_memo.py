"""A resident's data key is read once per transaction (``jkn_bus.key_memo``), and never
remembered past it or past a rollback: erasure stays immediate for the next transaction.
A transaction that says whose keys it expects reads them in one statement."""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any

import asyncpg
import pytest
from jkn_bus.key_memo import expect, transaction_keys
from jkn_bus.keyring import Keyring
from jkn_bus.personal_data import LocalKeks, PersonalDataErased
from jkn_contracts import participant_id_for

KEYRING = Keyring(LocalKeks.parse(f"k1={base64.b64encode(os.urandom(32)).decode()}"))


def _pid() -> str:
    return participant_id_for(f"15710101019{uuid.uuid4().int % 10**5:05d}", uuid.uuid4().hex)


class CountingConn:
    """A connection that counts the rows it was asked for (the keyring's reads)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.reads = 0

    async def fetchrow(self, *args: Any) -> Any:
        self.reads += 1
        return await self.conn.fetchrow(*args)

    async def fetch(self, *args: Any) -> Any:
        self.reads += 1
        return await self.conn.fetch(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


async def test_a_transaction_reads_a_residents_key_once_however_many_fields_it_opens(
    conns: dict[str, asyncpg.Connection],
) -> None:
    pid = _pid()
    dek = await KEYRING.create(conns["enrollment"], pid)
    reader = CountingConn(conns["notifications"])
    async with reader.conn.transaction():
        with transaction_keys():
            keys = [await KEYRING.get(reader, dek.kid) for _ in range(5)]  # type: ignore[arg-type]
            keys.append(await KEYRING.current(reader, pid))  # type: ignore[arg-type]
    assert {k.key for k in keys} == {dek.key}
    assert reader.reads == 1
    # without a memo every open reads the keyring again
    async with reader.conn.transaction():
        for _ in range(3):
            await KEYRING.get(reader, dek.kid)  # type: ignore[arg-type]
    assert reader.reads == 4


async def test_a_key_destroyed_after_a_transaction_is_erased_for_the_next_one(
    conns: dict[str, asyncpg.Connection],
) -> None:
    pid = _pid()
    dek = await KEYRING.create(conns["enrollment"], pid)
    async with conns["bpjs-gateway"].transaction():
        with transaction_keys():
            assert (await KEYRING.get(conns["bpjs-gateway"], dek.kid)).key == dek.key
    assert await KEYRING.destroy(conns["enrollment"], pid)
    async with conns["bpjs-gateway"].transaction():
        with transaction_keys(), pytest.raises(PersonalDataErased):
            await KEYRING.get(conns["bpjs-gateway"], dek.kid)


async def test_a_key_created_in_a_savepoint_rolled_back_is_not_remembered(
    conns: dict[str, asyncpg.Connection],
) -> None:
    pid = _pid()
    enrollment = conns["enrollment"]
    async with enrollment.transaction():
        with transaction_keys():
            handler = enrollment.transaction()  # a handler failing after proposing them
            await handler.start()
            created = await KEYRING.create(enrollment, pid)
            assert (await KEYRING.current(enrollment, pid)).key == created.key
            await handler.rollback()
            # the key is gone with the savepoint: a second try creates (and seals with) a
            # key that exists, never the rolled-back one
            with pytest.raises(PersonalDataErased):
                await KEYRING.current(enrollment, pid)
            again = await KEYRING.create(enrollment, pid)
            assert again.key != created.key
            assert (await KEYRING.get(enrollment, again.kid)).key == again.key
    async with conns["verification"].transaction():
        assert (await KEYRING.get(conns["verification"], again.kid)).key == again.key


async def test_a_key_destroyed_in_this_transaction_is_read_again_after_its_savepoint(
    conns: dict[str, asyncpg.Connection],
) -> None:
    pid = _pid()
    enrollment = conns["enrollment"]
    dek = await KEYRING.create(enrollment, pid)
    async with enrollment.transaction():
        with transaction_keys():
            assert (await KEYRING.current(enrollment, pid)).key == dek.key
            erasure = enrollment.transaction()  # an erasure whose later step failed
            await erasure.start()
            assert await KEYRING.destroy(enrollment, pid)
            with pytest.raises(PersonalDataErased):
                await KEYRING.current(enrollment, pid)
            await erasure.rollback()
            assert (await KEYRING.current(enrollment, pid)).key == dek.key


async def test_a_round_that_expects_its_residents_reads_all_their_keys_in_one_statement(
    conns: dict[str, asyncpg.Connection],
) -> None:
    pids = [_pid() for _ in range(3)]
    deks = [await KEYRING.create(conns["enrollment"], pid) for pid in pids]
    reader = CountingConn(conns["bpjs-gateway"])
    async with reader.conn.transaction():
        with transaction_keys():
            expect([*pids, None])  # a feedback reply has no resident: skipped
            keys = [await KEYRING.get(reader, dek.kid) for dek in reversed(deks)]  # type: ignore[arg-type]
    assert [k.key for k in keys] == [dek.key for dek in reversed(deks)]
    assert reader.reads == 1


async def test_an_expected_resident_without_a_key_yet_is_read_again_when_asked_for(
    conns: dict[str, asyncpg.Connection],
) -> None:
    known, proposed_meanwhile = _pid(), _pid()
    await KEYRING.create(conns["enrollment"], known)
    reader = CountingConn(conns["notifications"])
    with transaction_keys():
        expect([known, proposed_meanwhile])
        await KEYRING.current(reader, known)  # type: ignore[arg-type]
        created = await KEYRING.create(conns["enrollment"], proposed_meanwhile)
        assert (await KEYRING.current(reader, proposed_meanwhile)).key == created.key  # type: ignore[arg-type]
    assert reader.reads == 2


async def test_a_key_this_transaction_created_is_not_remembered_from_a_read_ahead(
    conns: dict[str, asyncpg.Connection],
) -> None:
    earlier, new = _pid(), _pid()
    await KEYRING.create(conns["enrollment"], earlier)
    enrollment = CountingConn(conns["enrollment"])
    async with enrollment.conn.transaction():
        with transaction_keys():
            proposing = enrollment.conn.transaction()  # a handler that fails after proposing
            await proposing.start()
            await KEYRING.create(enrollment.conn, new)
            expect([earlier, new])
            await KEYRING.current(enrollment, earlier)  # type: ignore[arg-type]
            await proposing.rollback()
            with pytest.raises(PersonalDataErased):  # read again: its key went with the savepoint
                await KEYRING.current(enrollment, new)  # type: ignore[arg-type]
    assert enrollment.reads == 2
