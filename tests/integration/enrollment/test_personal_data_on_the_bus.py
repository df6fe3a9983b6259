"""A proposal's personal fields on the bus, against the real Kafka and Postgres: sealed in
the record and in the outbox, readable by the services allowed to read them, and by no one
once the resident's key is destroyed (crypto-shredding)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from integration.enrollment.conftest import BOOTSTRAP
from integration.enrollment.residents import form
from jkn_bus.keyring import Keyring, sealer_for
from jkn_bus.personal_data import LocalKeks, PersonalDataErased
from jkn_contracts import ParticipantRegistered, parse_event
from support.kafka import read_topic

pytestmark = pytest.mark.infra

READERS = ("verification", "bpjs-gateway", "notifications")


async def test_a_proposal_travels_sealed_and_a_destroyed_key_makes_every_copy_unreadable(
    client: httpx.AsyncClient, topic_prefix: str, database: dict[str, str]
) -> None:
    sent = form(41, phone="081234567841")
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    pid = answer.json()["participant_id"]
    clear = [sent["nik"], sent["kk"], sent["name"], sent["phone"], sent["address"]]

    records = await read_topic(BOOTSTRAP, topic_prefix + "jkn.dinsos.participants", expect=1)
    [record] = [r for r in records if r.key == pid.encode()]
    enrollment = await asyncpg.connect(database["enrollment"])
    try:
        [outbox] = await enrollment.fetch(
            "SELECT value FROM outbox WHERE key = $1 AND event_type = 'ParticipantRegistered'",
            pid,
        )
    finally:
        await enrollment.close()
    for copy in (record.value, bytes(outbox["value"])):
        for value in clear:
            assert value.encode() not in copy
    event = parse_event(record.value)
    assert isinstance(event, ParticipantRegistered)
    assert event.payload.personal.kid == f"{pid}.v1"

    sealer = sealer_for(LocalKeks.from_config())
    for reader in READERS:  # the services allowed to read personal fields
        conn = await asyncpg.connect(database[reader])
        try:
            opened = await sealer.open(conn, event)
        finally:
            await conn.close()
        assert (opened.nik, opened.name) == (sent["nik"], sent["name"])
    audit = await asyncpg.connect(database["audit"])
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await sealer.open(audit, event)
    finally:
        await audit.close()

    # crypto-shredding: Dinas Sosial destroys the key, every copy becomes unreadable
    enrollment = await asyncpg.connect(database["enrollment"])
    try:
        assert await Keyring(LocalKeks.from_config()).destroy(enrollment, pid)
    finally:
        await enrollment.close()
    for reader in ("enrollment", *READERS):
        conn = await asyncpg.connect(database[reader])
        try:
            with pytest.raises(PersonalDataErased):
                await sealer.open(conn, event)
        finally:
            await conn.close()
