"""The submissions table: each agency system's submission once, with how it was answered."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import asyncpg

from enrollment.app.run_ports import Answer, Claim, Submitted

__all__ = [
    "Answer",
    "Claim",
    "Submitted",
    "claim",
    "content_sha256",
    "record_answer",
    "repeat_answer",
]


def content_sha256(submission: Submitted) -> str:
    """What makes two records the same submission: its type and its payload as received."""
    payload = submission.payload.model_dump_json()
    return hashlib.sha256(f"{submission.event_type}\n{payload}".encode()).hexdigest()


async def claim(conn: asyncpg.Connection, writer: str, submission: Submitted) -> Claim:
    """Register a submission's first record, or find how it was answered.

    A concurrent record of the same submission waits here for the first one's transaction,
    then finds its answer."""
    sha = content_sha256(submission)
    created = await conn.fetchval(
        "INSERT INTO submissions (writer, submission_id, submission_type, content_sha256,"
        " event_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (writer, submission_id)"
        " DO NOTHING RETURNING true",
        writer,
        submission.submission_id,
        submission.event_type,
        sha,
        submission.event_id,
    )
    if created:
        return Claim(new=True)
    row = await conn.fetchrow(
        "SELECT * FROM submissions WHERE writer = $1 AND submission_id = $2",
        writer,
        submission.submission_id,
    )
    assert row is not None  # the conflicting row is committed
    answer = Answer(
        outcome=row["outcome"],
        correlation_id=row["correlation_id"],
        reasons=tuple((r["field"], r["rule"]) for r in json.loads(row["reasons"])),
        proposal_id=row["proposal_id"],
        participant_id=row["participant_id"],
        existing_proposal_id=row["existing_proposal_id"],
        request_id=row["request_id"],
        run_id=row["run_id"],
    )
    return Claim(new=False, same_content=row["content_sha256"] == sha, answer=answer)


async def record_answer(
    conn: asyncpg.Connection, writer: str, submission_id: str, answer: Answer
) -> None:
    """Keep how a claimed submission was answered (in the transaction of its effects)."""
    await conn.execute(
        "UPDATE submissions SET outcome = $3, reasons = $4::jsonb, correlation_id = $5,"
        " proposal_id = $6, participant_id = $7, existing_proposal_id = $8, request_id = $9,"
        " run_id = $10, answers = answers + 1, answered_at = now()"
        " WHERE writer = $1 AND submission_id = $2",
        writer,
        submission_id,
        answer.outcome,
        json.dumps(_reasons(answer.reasons)),
        answer.correlation_id,
        answer.proposal_id,
        answer.participant_id,
        answer.existing_proposal_id,
        answer.request_id,
        answer.run_id,
    )


async def repeat_answer(conn: asyncpg.Connection, writer: str, submission_id: str) -> None:
    """Count an answer given again (the same submission sent again)."""
    await conn.execute(
        "UPDATE submissions SET answers = answers + 1, answered_at = now()"
        " WHERE writer = $1 AND submission_id = $2",
        writer,
        submission_id,
    )


def _reasons(reasons: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": field, "rule": rule} for field, rule in reasons]
