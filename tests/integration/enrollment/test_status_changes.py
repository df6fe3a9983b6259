"""``adapters.proposals.apply_status`` in one statement keeps the rules it had in four: every
change joins the history, the status moves only to a later stage (a late, earlier event
leaves status and reasons alone), a card is kept when it comes, the event's proposal or
else the participant's latest is meant, and a participant without proposals here is not
ours. Each case runs in a transaction rolled back at the end: nothing stays behind."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from enrollment.adapters.proposals import StatusChange, apply_status
from enrollment.domain import ProposalStatus
from fastapi import FastAPI

pytestmark = pytest.mark.infra

WHEN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CARD = ("0001234567890", "0114U001", "PUSKESMAS KOTA", date(2026, 4, 1))


@pytest.fixture
async def conn(app: FastAPI, database: dict[str, str]) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that is rolled back (``app``: migrations applied)."""
    connection = await asyncpg.connect(database["enrollment"])
    transaction = connection.transaction()
    await transaction.start()
    try:
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


async def _proposal(
    conn: asyncpg.Connection, participant_id: str, *, status: str, age: timedelta = timedelta()
) -> uuid.UUID:
    proposal_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO proposals (proposal_id, participant_id, correlation_id, receipt_hash, sex,"
        " kelurahan, source, proposed_by, status, created_at) VALUES"
        " ($1, $2, $3, $4, 'F', 'Kelurahan Uji', 'manual', 'test', $5, now() - $6::interval)",
        proposal_id,
        participant_id,
        uuid.uuid4(),
        uuid.uuid4().bytes,
        status,
        age,
    )
    return proposal_id


def _change(participant_id: str, status: ProposalStatus, **details: Any) -> StatusChange:
    return StatusChange(
        participant_id=participant_id,
        proposal_id=details.pop("proposal_id", None),
        status=status,
        event_type=f"Event{status.value.title()}",
        event_id=uuid.uuid4(),
        occurred_at=WHEN,
        **details,
    )


async def _state(conn: asyncpg.Connection, proposal_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT status, reasons, no_kartu, kd_provider, nm_provider, effective_date"
        " FROM proposals WHERE proposal_id = $1",
        proposal_id,
    )
    assert row is not None
    return row


async def _history(conn: asyncpg.Connection, proposal_id: uuid.UUID) -> list[str]:
    rows = await conn.fetch(
        "SELECT status FROM proposal_history WHERE proposal_id = $1 ORDER BY id", proposal_id
    )
    return [r["status"] for r in rows]


async def test_a_later_stage_moves_an_earlier_one_is_only_recorded(
    conn: asyncpg.Connection,
) -> None:
    pid = f"P{uuid.uuid4().hex}"
    proposal = await _proposal(conn, pid, status="checking")
    reasons = [{"code": "QUOTA_FULL", "message": "antre"}]

    assert await apply_status(conn, _change(pid, ProposalStatus.WAITLISTED, reasons=reasons))
    assert await apply_status(conn, _change(pid, ProposalStatus.CHECKING, reasons=[]))

    state = await _state(conn, proposal)
    assert state["status"] == "waitlisted"
    assert json.loads(state["reasons"]) == reasons  # the late event did not clear them
    assert await _history(conn, proposal) == ["waitlisted", "checking"]


async def test_a_card_is_kept_with_the_activation(conn: asyncpg.Connection) -> None:
    pid = f"P{uuid.uuid4().hex}"
    proposal = await _proposal(conn, pid, status="verified")

    assert await apply_status(conn, _change(pid, ProposalStatus.ACTIVATED, reasons=[], card=CARD))

    state = await _state(conn, proposal)
    assert state["status"] == "activated"
    assert (state["no_kartu"], state["kd_provider"], state["nm_provider"]) == CARD[:3]
    assert state["effective_date"] == CARD[3]
    assert await _history(conn, proposal) == ["activated"]


async def test_the_named_proposal_or_else_the_latest_is_meant(conn: asyncpg.Connection) -> None:
    pid = f"P{uuid.uuid4().hex}"
    older = await _proposal(conn, pid, status="rejected", age=timedelta(days=30))
    latest = await _proposal(conn, pid, status="registered")

    assert await apply_status(conn, _change(pid, ProposalStatus.CHECKING))
    assert await apply_status(conn, _change(pid, ProposalStatus.DEACTIVATED, proposal_id=older))

    assert (await _state(conn, latest))["status"] == "checking"
    assert (await _state(conn, older))["status"] == "deactivated"
    assert await _history(conn, latest) == ["checking"]
    assert await _history(conn, older) == ["deactivated"]


async def test_a_participant_without_proposals_here_is_not_ours(
    conn: asyncpg.Connection,
) -> None:
    change = _change(f"P{uuid.uuid4().hex}", ProposalStatus.VERIFIED, reasons=[])

    assert not await apply_status(conn, change)
    recorded = await conn.fetchval(
        "SELECT count(*) FROM proposal_history WHERE event_id = $1", change.event_id
    )
    assert recorded == 0
