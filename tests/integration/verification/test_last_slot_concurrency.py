"""Rule 7 (docs/domain.md#rule-7) under concurrency: many verifications racing for the last
slots never overbook."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from integration.verification.scenario import CITY
from jkn_bus import ServiceRuntime, UnitOfWork
from jkn_bus.db import connect_pool
from jkn_contracts import Resident
from support.sealed import KEYRING, escrow
from verification.app.model import Proposal, Status
from verification.app.slots import verify_or_waitlist
from verification.bootstrap import build_dependencies
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

YEAR = 2099  # a budget year of its own: nothing else in this database touches it
SLOTS = 5
CONTENDERS = 40


async def test_concurrent_verifications_never_both_take_the_last_slot(
    runtime: ServiceRuntime,
    database: dict[str, str],
    topic_prefix: str,
    settings: VerificationSettings,
) -> None:
    deps = build_dependencies(settings)
    someone = next(iter(CITY))  # the data is not looked at here
    resident = Resident(
        nik=someone.nik,
        kk=someone.kk,
        name=someone.name,
        sex=someone.sex,
        birth_date=someone.birth_date,
        kelurahan=someone.kelurahan,
    )
    participants = [f"P{i:024x}" for i in range(1, CONTENDERS + 1)]
    for participant_id in participants:  # their keys, as Dinas Sosial made them
        KEYRING.create_now(participant_id)
    await escrow(database["enrollment"])
    async with runtime.unit_of_work() as uow:
        repo = deps.repository(uow)
        await repo.lock_quota(YEAR, initial_total=SLOTS)
        for participant_id in participants:
            await repo.add_proposal(
                Proposal(
                    proposal_id=uuid.uuid4(),
                    participant_id=participant_id,
                    correlation_id=uuid.uuid4(),
                    resident=resident,
                    registered_at=deps.now(),
                    status=Status.CHECKING_COVERAGE,
                )
            )

    pool = await connect_pool(database["verification"], min_size=CONTENDERS, max_size=CONTENDERS)
    everyone_connected = asyncio.Barrier(CONTENDERS)

    async def verify(participant_id: str) -> Status:
        async with pool.acquire() as conn:
            await everyone_connected.wait()  # start the transactions together
            async with conn.transaction():
                uow = UnitOfWork(conn, topic_prefix=topic_prefix)
                repo = deps.repository(uow)
                quota = await repo.lock_quota(YEAR, initial_total=SLOTS)
                proposal = await repo.open_proposal(participant_id, lock=True)
                assert proposal is not None
                await verify_or_waitlist(uow, deps, repo, proposal, year=YEAR, quota=quota)
                return proposal.status

    try:
        outcomes = await asyncio.gather(*(verify(p) for p in participants))
        slots = await pool.fetchval("SELECT count(*) FROM slots WHERE budget_year = $1", YEAR)
        used, total = await pool.fetchrow(
            "SELECT used, total FROM quota WHERE budget_year = $1", YEAR
        )
        waiting = await pool.fetchval(
            "SELECT count(*) FROM waiting_list WHERE participant_id = ANY($1::text[])", participants
        )
    finally:
        await pool.close()

    assert outcomes.count(Status.VERIFIED) == SLOTS
    assert outcomes.count(Status.WAITLISTED) == CONTENDERS - SLOTS
    assert slots == SLOTS
    assert (used, total) == (SLOTS, SLOTS)
    assert waiting == CONTENDERS - SLOTS
