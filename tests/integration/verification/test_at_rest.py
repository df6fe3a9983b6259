"""Personal data at rest in Dinas Kesehatan's schema, against the real Postgres and Kafka.

Registry rows and proposals written in clear before sealing (as the migration found them)
are read as they are until the start-up backfill converts them; afterwards, and for
everything the service writes itself, no NIK, KK, name, birth date, address, phone or
e-mail is in clear in any row the service's own role can select. A resident erased by
Dinas Sosial (their key destroyed) cannot be read from a copy of the row, and the erasure
event forgets the row and the registries' rows under their NIK.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast

import asyncpg
import pytest
from integration.verification.scenario import People, pid, registered
from jkn_bus import ServiceRuntime
from jkn_bus.personal_data import PersonalDataErased
from jkn_city import Resident as CityResident
from jkn_contracts import (
    Actor,
    AnyEvent,
    ErasureGround,
    ParticipantRegistered,
    ProposalSource,
    Resident,
    ResidentDataErased,
)
from jkn_contracts.events import ResidentDataErasedPayload
from support.kafka import Collector
from support.polling import eventually
from support.sealed import KEYRING, sealed_event
from verification.adapters.backfill import backfill
from verification.adapters.protection import Protection, row_key
from verification.adapters.repository import SqlRepository
from verification.bootstrap import protection_for

pytestmark = pytest.mark.infra

Send = Callable[..., Awaitable[None]]
OFFICER = Actor(id="act_" + "5e" * 12, agency="dinsos", kind="person")
PHONE, EMAIL = "081299900417", "warga.417@example.id"


def planted(r: CityResident) -> list[str]:
    """The values of ``r`` no row may hold in clear."""
    return [r.nik, r.kk, r.name, r.birth_date.isoformat(), r.address]


def resident_of(r: CityResident, **contact: str) -> Resident:
    return Resident(
        nik=r.nik,
        kk=r.kk,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth_date,
        kelurahan=r.kelurahan,
        address=r.address,
        **contact,
    )


async def request_for(published: Collector, participant_id: str) -> AnyEvent:
    async def found() -> list[AnyEvent]:
        return published.of(participant_id, "CoverageCheckRequested")

    return (await eventually(found))[0]


async def make_legacy_registry_rows(
    conn: asyncpg.Connection, p: Protection, r: CityResident
) -> None:
    """``r``'s registry rows as they were before sealing: clear, keyed by the NIK."""
    for table in ("civil_registry", "dtks"):
        await conn.execute(f"DELETE FROM {table} WHERE nik_hash = $1", p.nik_hash(r.nik))  # noqa: S608
    await conn.execute(
        "INSERT INTO civil_registry (nik, kk, name, sex, birth_date, kelurahan, address,"
        " domicile_city, alive, death_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        r.nik, r.kk, r.name, r.sex, r.birth_date, r.kelurahan, r.address, r.domicile_city,
        r.alive, r.death_date,
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO dtks (nik, kk, name, sex, birth_date, kelurahan, welfare_decile)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        r.nik, r.kk, r.name, r.sex, r.birth_date, r.kelurahan, r.welfare_decile,
    )  # fmt: skip


async def make_legacy_proposal(conn: asyncpg.Connection, r: CityResident) -> None:
    """A proposal of ``r`` as it was stored before sealing: its resident in clear."""
    await conn.execute(
        "INSERT INTO proposals (proposal_id, participant_id, correlation_id, resident, status,"
        " registered_at) VALUES ($1, $2, $3, $4::jsonb, 'rejected', now())",
        uuid.uuid4(),
        pid(r),
        uuid.uuid4(),
        resident_of(r).model_dump_json(),
    )


async def clear_traces(url: str, values: list[str]) -> dict[str, list[str]]:
    """``{table: values found}`` over every row of the role's schema: its text, and the
    printable bytes of each ``bytea`` column (an outbox record, a sealed value)."""
    conn = await asyncpg.connect(url)
    try:
        columns = await conn.fetch(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c"
            " JOIN information_schema.tables t USING (table_schema, table_name)"
            " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        )
        tables: dict[str, list[str]] = {}
        for c in columns:
            readable = tables.setdefault(c["table_name"], ["t::text"])
            if c["data_type"] == "bytea":
                readable.append(f"encode(t.\"{c['column_name']}\", 'escape')")
        found: dict[str, list[str]] = {}
        for table, readable in tables.items():
            for value in values:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{table}" t'  # noqa: S608 - the schema's own names
                    f" WHERE concat_ws(' ', {', '.join(readable)}) LIKE $1",
                    f"%{value}%",
                )
                if hit:
                    found.setdefault(table, []).append(value)
        return found
    finally:
        await conn.close()


async def test_no_personal_value_is_in_clear_once_handled_and_backfilled_and_decisions_stay(
    runtime: ServiceRuntime,
    database: dict[str, str],
    send: Send,
    published: Collector,
    people: People,
) -> None:
    protection = protection_for(runtime.settings)
    before, after = people.eligible(), people.eligible()  # registry rows loaded in clear
    keyed, keyless = people.eligible(), people.eligible()  # proposals stored in clear
    while pid(keyless) in dict(KEYRING.items()):  # a key made for it by an earlier module
        keyless = people.eligible()
    fresh = people.eligible()  # proposed after the change, with a phone and an e-mail
    async with runtime.pool.acquire() as conn:
        for r in (before, after):
            await make_legacy_registry_rows(conn, protection, r)
        for r in (keyed, keyless):
            await make_legacy_proposal(conn, r)
    KEYRING.create_now(pid(keyed))  # Dinas Sosial made keyed's key; keyless has none
    clear_before = await clear_traces(database["verification"], planted(keyed) + planted(after))
    assert set(clear_before) == {"proposals", "civil_registry", "dtks"}  # what is looked for

    # a clear registry row not converted yet still decides as before
    await send(registered(before))
    await request_for(published, pid(before))

    done = await backfill(runtime.pool, protection, batch=1)
    assert done == {
        "civil_registry": {"converted": 2},
        "dtks": {"converted": 2},
        "proposals": {"converted": 1, "blanked": 1},
    }
    assert await backfill(runtime.pool, protection) == {
        "civil_registry": {"converted": 0},
        "dtks": {"converted": 0},
        "proposals": {"converted": 0, "blanked": 0},
    }

    # the converted row is found by the NIK's hash; the new resident's by the loaded one's
    await send(registered(after))
    await request_for(published, pid(after))
    await send(
        sealed_event(
            ParticipantRegistered,
            participant_id=pid(fresh),
            correlation_id=uuid.uuid4(),
            personal=resident_of(fresh, phone=PHONE, email=EMAIL).model_dump(),
            payload={
                "proposal_id": uuid.uuid4(),
                "source": ProposalSource.DTKS,
                "welfare_decile": fresh.welfare_decile,
                "proposed_by": "test",
            },
        )
    )
    await request_for(published, pid(fresh))

    # the converted proposal opens to the resident it held; the keyless one is blanked
    async with runtime.pool.acquire() as conn:
        repo = SqlRepository(conn, protection)
        assert [p.resident for p in await repo.proposals_of(pid(keyed))] == [resident_of(keyed)]
        assert [p.resident for p in await repo.proposals_of(pid(keyless))] == [None]
    # the converted registry rows open to what they held
    async with runtime.pool.acquire() as conn:
        nik_hash = protection.nik_hash(after.nik)
        row = await conn.fetchrow(
            "SELECT name_sealed, birth_date_sealed, address_sealed FROM civil_registry"
            " WHERE nik_hash = $1",
            nik_hash,
        )
        opened = await protection.registry("civil_registry").open(
            conn,
            row_key(nik_hash),
            {c.removesuffix("_sealed"): row[c] for c in row.keys()},  # noqa: SIM118 - a Record
        )
    assert opened == {
        "name": after.name,
        "birth_date": after.birth_date.isoformat(),
        "address": after.address,
    }

    everyone = [v for r in (before, after, keyed, keyless, fresh) for v in planted(r)]
    assert await clear_traces(database["verification"], [*everyone, PHONE, EMAIL]) == {}


async def test_an_erased_residents_row_no_longer_opens_and_the_erasure_forgets_it(
    runtime: ServiceRuntime, database: dict[str, str], send: Send, published: Collector,
    people: People,
) -> None:  # fmt: skip
    protection = protection_for(runtime.settings)
    r = people.eligible()
    await send(registered(r))
    await request_for(published, pid(r))
    async with runtime.pool.acquire() as conn:
        copy = await conn.fetchval(
            "SELECT resident_sealed FROM proposals WHERE participant_id = $1", pid(r)
        )  # a copy of the row, as a backup keeps it
        opened = await protection.proposals.open(conn, pid(r), {"resident": copy})
        resident = Resident.model_validate_json(cast(str, opened["resident"]))
        assert (resident.nik, resident.name) == (r.nik, r.name)

    await KEYRING.destroy(cast(Any, None), pid(r))  # Dinas Sosial erases the resident
    await send(
        ResidentDataErased(
            participant_id=pid(r),
            correlation_id=uuid.uuid4(),
            actor=OFFICER,
            payload=ResidentDataErasedPayload(ground=ErasureGround.NEVER_ENROLLED, key_version=1),
        )
    )
    async with runtime.pool.acquire() as conn:
        with pytest.raises(PersonalDataErased):
            await protection.proposals.open(conn, pid(r), {"resident": copy})

    async def forgotten() -> bool:
        return bool(
            await runtime.pool.fetchval(
                "SELECT erased_at IS NOT NULL AND resident_sealed IS NULL AND nik_hash IS NULL"
                " FROM proposals WHERE participant_id = $1",
                pid(r),
            )
        )

    await eventually(forgotten)
    nik_hash = protection.nik_hash(r.nik)
    for table in ("civil_registry", "dtks"):
        assert not await runtime.pool.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {table} WHERE nik_hash = $1)",  # noqa: S608
            nik_hash,
        ), table
    assert await clear_traces(database["verification"], planted(r)) == {}
