"""Taking a slot (``SqlRepository.take_slot``) writes the year's quota, the slot and the
verified proposal in one statement: all three, or, when any part is refused (a participant
who still holds a slot), none of them."""

from __future__ import annotations

import uuid

import asyncpg
import pytest
from jkn_bus import ServiceRuntime, UnitOfWork
from jkn_contracts import utcnow
from verification.app.model import Proposal, Status
from verification.app.ports import Repository
from verification.bootstrap import build_dependencies
from verification.settings import VerificationSettings

pytestmark = pytest.mark.infra

YEAR = 2096  # a year of its own: nothing else in this database touches it


async def checking(repo: Repository, participant_id: str) -> Proposal:
    """A proposal waiting for its coverage answer, stored."""
    proposal = Proposal(
        proposal_id=uuid.uuid4(),
        participant_id=participant_id,
        correlation_id=uuid.uuid4(),
        resident=None,
        registered_at=utcnow(),
        status=Status.CHECKING_COVERAGE,
    )
    assert await repo.add_proposal(proposal)
    return proposal


async def slot_of(conn: asyncpg.Connection, participant_id: str) -> list[tuple[object, ...]]:
    rows = await conn.fetch(
        "SELECT proposal_id, budget_year FROM slots WHERE participant_id = $1", participant_id
    )
    return [tuple(r) for r in rows]


async def test_a_slot_taken_writes_the_quota_the_slot_and_the_verified_proposal_together(
    runtime: ServiceRuntime, settings: VerificationSettings, topic_prefix: str
) -> None:
    deps = build_dependencies(settings)
    participant_id = f"P{uuid.uuid4().hex[:24]}"
    async with runtime.pool.acquire() as conn, conn.transaction():
        repo = deps.repository(UnitOfWork(conn, topic_prefix=topic_prefix))
        await conn.execute("DELETE FROM quota WHERE budget_year = $1", YEAR)
        first = await checking(repo, participant_id)
        quota = await repo.lock_quota(YEAR, initial_total=2)
        first.status, first.budget_year = Status.VERIFIED, YEAR
        taken = quota.take()
        await repo.take_slot(first, taken)

        assert await repo.read_quota(YEAR) == taken
        assert (taken.total, taken.used) == (2, 1)
        assert await slot_of(conn, participant_id) == [(first.proposal_id, YEAR)]
        stored = await repo.open_proposal(participant_id)
        assert stored is not None
        assert (stored.proposal_id, stored.status, stored.budget_year) == (
            first.proposal_id,
            Status.VERIFIED,
            YEAR,
        )

        # a participant who still holds a slot: the one slot per participant refuses it all
        holder = f"P{uuid.uuid4().hex[:24]}"
        earlier = await checking(repo, holder)
        await conn.execute(
            "INSERT INTO slots (participant_id, proposal_id, budget_year) VALUES ($1, $2, $3)",
            holder,
            earlier.proposal_id,
            YEAR,
        )
        earlier.status = Status.REJECTED  # closed, so that a new proposal may be stored
        await repo.save_proposal(earlier)
        second = await checking(repo, holder)
        second.status, second.budget_year = Status.VERIFIED, YEAR
        with pytest.raises(asyncpg.UniqueViolationError):
            async with conn.transaction():  # a savepoint, as a handler in a batch has
                await repo.take_slot(second, taken.take())

        assert await repo.read_quota(YEAR) == taken  # not counted
        assert await slot_of(conn, holder) == [(earlier.proposal_id, YEAR)]
        unchanged = await repo.open_proposal(holder)
        assert unchanged is not None
        assert (unchanged.status, unchanged.budget_year) == (Status.CHECKING_COVERAGE, None)
