"""Enrollment's personal data at rest, against the real Postgres and Kafka: read as
enrollment's own database role, no row of any table of its schema holds a resident's NIK,
KK, name, birth date, address, phone or e-mail in clear — a proposal's are sealed under the
resident's key, a refill candidate's under the service's data key — while the service still
answers the receipt-code status, proposes refills from a snapshot with the registry's data,
and reads each value back. Rows written in clear before (a legacy proposal, an erased one, a
candidate) are sealed by the backfill a starting replica runs on its own, after which no
clear value is left, the values read back the same and a second pass finds nothing to do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from enrollment.adapters.at_rest import Converted, backfill
from enrollment.adapters.proposals import find_personal
from enrollment.adapters.snapshots import best_candidates, candidates_partition
from enrollment.app.run_limits import RunLimits
from enrollment.bootstrap import build_app, build_runtime
from enrollment.settings import candidate_columns
from fastapi import FastAPI
from integration.enrollment.residents import form, resident
from integration.reconciliation.helpers import SNAPSHOT_COLUMNS, csv_of
from jkn_bus import BusSettings
from jkn_contracts import participant_id_for
from jkn_devstack.tokens import DevTokenAuth
from support.polling import eventually

pytestmark = pytest.mark.infra

PERSONAL = ("nik", "kk", "name", "birth_date", "address", "phone", "email")


def planted(n: int) -> dict[str, Any]:
    """Resident ``n`` with every personal field filled (an e-mail too)."""
    return {**form(n), "email": f"warga.{n}@contoh.id"}


def values_of(sent: dict[str, Any], fields: tuple[str, ...] = PERSONAL) -> list[str]:
    """The values to look for; a phone by its subscriber digits (it is kept as +62...)."""
    return [str(sent[f]).removeprefix("0") for f in fields if sent.get(f)]


def as_kept(sent: dict[str, Any]) -> dict[str, Any]:
    """The personal fields of a form as the service keeps them."""
    return {
        **{f: sent[f] for f in PERSONAL},
        "birth_date": date.fromisoformat(sent["birth_date"]),
        "phone": "+62" + sent["phone"].removeprefix("0"),
    }


async def traces(url: str, values: list[str]) -> list[tuple[str, str]]:
    """(table, value) for each table of the connection's schema with a row whose text
    holds the value: what ``psql`` as this role would show in clear."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        found = []
        for t in tables:
            for value in values:
                hit = await conn.fetchval(
                    f'SELECT count(*) FROM "{t["table_name"]}" t WHERE t::text LIKE $1',  # noqa: S608 - names from the catalogue
                    f"%{value}%",
                )
                if hit:
                    found.append((t["table_name"], value))
        return found
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def approver(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A second Dinsos officer: approves snapshot runs."""
    app.state.run_limits = RunLimits(max_deactivation_share=1.0, min_snapshot_row_ratio=0)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://enrollment", auth=DevTokenAuth("yusuf.dinsos")
    ) as c:
        yield c


async def test_a_proposed_resident_is_kept_sealed_and_read_back_whole(
    app: FastAPI, client: httpx.AsyncClient, database: dict[str, str]
) -> None:
    sent = planted(7101)
    answer = await client.post("/proposals", json=sent)
    assert answer.status_code == 201, answer.text
    body = answer.json()

    assert await traces(database["enrollment"], values_of(sent)) == []

    status = await client.get(
        f"/proposals/{body['proposal_id']}", params={"receipt_code": body["receipt_code"]}
    )
    assert status.status_code == 200, status.text
    assert status.json()["status"] == "registered"
    async with app.state.runtime.pool.acquire() as conn:
        opened = await find_personal(conn, uuid.UUID(body["proposal_id"]))
    assert opened is not None
    assert {f: opened[f] for f in PERSONAL} == as_kept(sent)


async def test_a_snapshot_keeps_its_candidates_sealed_and_refills_with_their_data(
    app: FastAPI,
    client: httpx.AsyncClient,
    approver: httpx.AsyncClient,
    database: dict[str, str],
) -> None:
    registry = [{**resident(n), "welfare_decile": "1"} for n in (7201, 7202)]
    upload = await client.post(
        "/reconciliation/snapshots",
        files={"file": ("dtks.csv", csv_of(SNAPSHOT_COLUMNS, registry))},
    )
    assert upload.status_code == 201, upload.text
    run_id = upload.json()["run_id"]
    listed = await client.get(f"/reconciliation/runs/{run_id}/candidates")
    assert len(listed.json()["candidates"]) == 2, listed.text
    planted_values = [
        v for r in registry for v in values_of(r, ("nik", "kk", "name", "birth_date"))
    ]
    assert await traces(database["enrollment"], planted_values) == []

    approved = await approver.post(f"/reconciliation/runs/{run_id}/approve")
    assert approved.status_code == 200, approved.text
    asked = await client.post(
        f"/reconciliation/runs/{run_id}/candidates/propose", params={"limit": 1}
    )
    assert asked.status_code == 202, asked.text  # a refill batch: a second officer approves
    refill = await approver.post(asked.json()["approve_url"])
    assert refill.status_code == 200, refill.text
    [made] = refill.json()["proposed"]
    first = registry[0]
    assert made["participant_id"] == participant_id_for(
        first["nik"], app.state.runtime.settings.jkn_pseudonym_key
    )
    async with app.state.runtime.pool.acquire() as conn:
        opened = await find_personal(conn, uuid.UUID(made["proposal_id"]))
    assert opened is not None
    assert (opened["nik"], opened["kk"], opened["name"]) == (
        first["nik"],
        first["kk"],
        first["name"],
    )
    assert opened["birth_date"] == date.fromisoformat(first["birth_date"])
    assert await traces(database["enrollment"], planted_values) == []


async def _legacy_rows(url: str, key: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A proposal, an erased proposal and a refill candidate as they were written before
    personal data was sealed: in clear (the erased one blanked to '')."""
    kept, erased, run_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(url)
    try:
        for proposal_id, sent, erased_at in (
            (kept, planted(7301), None),
            (erased, {**planted(7302), **dict.fromkeys(("nik", "kk", "name", "address"), "")}, "x"),
        ):
            await conn.execute(
                "INSERT INTO proposals (proposal_id, participant_id, correlation_id,"
                " receipt_hash, nik, kk, name, sex, birth_date, kelurahan, address, phone,"
                " email, source, proposed_by, status, erased_at)"
                " VALUES ($1, $2, gen_random_uuid(), '\\x00', $3, $4, $5, $6, $7, $8, $9,"
                " $10, $11, 'dtks', 'petugas-lama', 'rejected', CASE WHEN $12 THEN now() END)",
                proposal_id,
                participant_id_for(planted(7301 if erased_at is None else 7302)["nik"], key),
                sent["nik"],
                sent["kk"],
                sent["name"],
                sent["sex"],
                None if erased_at else date.fromisoformat(sent["birth_date"]),
                sent["kelurahan"],
                sent["address"],
                None if erased_at else sent["phone"],
                None if erased_at else sent["email"],
                erased_at is not None,
            )
        old = resident(7303)
        await conn.execute(
            "INSERT INTO reconciliation_runs (run_id, kind, fingerprint, status)"
            " VALUES ($1, 'snapshot', $2, 'completed')",
            run_id,
            f"legacy:{run_id}",
        )
        # the run's partition, as migration 0015 made one for each run it found
        partition = candidates_partition(run_id)
        await conn.execute(
            f"CREATE TABLE {partition} PARTITION OF candidates FOR VALUES IN ('{run_id}')"
        )
        await conn.execute(
            "INSERT INTO candidates (run_id, participant_id, line, nik, kk, name, sex,"
            " birth_date, kelurahan, welfare_decile) VALUES ($1, $2, 2, $3, $4, $5, $6, $7, $8, 1)",
            run_id,
            participant_id_for(old["nik"], key),
            old["nik"],
            old["kk"],
            old["name"],
            old["sex"],
            date.fromisoformat(old["birth_date"]),
            old["kelurahan"],
        )
    finally:
        await conn.close()
    return kept, erased, run_id


async def test_rows_kept_in_clear_before_are_sealed_by_a_starting_replica(
    app: FastAPI, enrollment_settings: BusSettings, database: dict[str, str]
) -> None:
    url = database["enrollment"]
    kept, erased, run_id = await _legacy_rows(url, enrollment_settings.jkn_pseudonym_key)
    legacy, blanked, old = planted(7301), planted(7302), resident(7303)
    clear = [*values_of(legacy), *values_of(blanked), *values_of(old, ("nik", "kk", "name"))]
    assert await traces(url, clear)

    replica = build_app(build_runtime(enrollment_settings))
    async with replica.router.lifespan_context(replica):

        async def converted() -> bool:
            return not await traces(url, clear)

        await eventually(converted, timeout=60)

    async with app.state.runtime.pool.acquire() as conn:
        opened = await find_personal(conn, kept)
        gone = await find_personal(conn, erased)
        async with conn.transaction():
            [candidate] = await best_candidates(conn, run_id, 10, candidate_columns(url))
    assert opened is not None
    assert {f: opened[f] for f in PERSONAL} == {**as_kept(legacy), "phone": legacy["phone"]}
    assert gone is not None
    assert all(gone[f] is None for f in PERSONAL)
    assert (candidate["nik"], candidate["name"]) == (old["nik"], old["name"])
    assert candidate["birth_date"] == date.fromisoformat(old["birth_date"])
    assert await backfill(app.state.runtime) == Converted(0, 0)
