"""Following residents across the agencies' APIs, as an operator would.

Each resident's final state is read from the agency that owns it, by that agency's own
people (jkn_demo.callers): Dinkes's decision as its verifier (verification), BPJS's
activation as the BPJS desk (gateway), and the messages sent as a feedback agent
(notifications). Rows refused at intake are reported by the enrollment import, by line.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from jkn_demo.callers import Callers

__all__ = [
    "FINAL_MESSAGE",
    "FINAL_STATES",
    "Outcome",
    "follow",
    "import_file",
    "import_receipts",
    "summarize",
]

FINAL_STATES = frozenset({"rejected", "waitlisted", "activated", "refused", "intake_rejected"})

# The message a resident must have received once in each final state.
FINAL_MESSAGE = {
    "rejected": "verification_rejected",
    "waitlisted": "participant_waitlisted",
    "activated": "participant_activated",
    "refused": "registration_refused",
}


@dataclass
class Outcome:
    """Where one resident stands, as the agencies report it."""

    participant_id: str
    state: str = "pending"
    reasons: list[str] = field(default_factory=list)
    no_kartu: str | None = None
    provider: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def settled(self) -> bool:
        """In a final state, and told so (residents refused at intake were never registered)."""
        if self.state == "intake_rejected":
            return True
        return self.state in FINAL_STATES and FINAL_MESSAGE[self.state] in self.messages


async def import_file(
    client: httpx.AsyncClient,
    enrollment: str,
    csv_bytes: bytes,
    *,
    auth: httpx.Auth,
    approver: httpx.Auth,
    progress: Any = None,
) -> dict[str, Any]:
    """Upload a proposals CSV to Dinsos as ``auth`` (a Dinsos officer or system): a preview
    that proposes no one; a second Dinsos officer (``approver``, never the uploader)
    approves it; then wait for the import to finish."""
    resp = await client.post(
        f"{enrollment}/imports",
        content=csv_bytes,
        params={"proposed_by": "demo"},
        headers={"content-type": "text/csv"},
        auth=auth,
    )
    resp.raise_for_status()
    import_id = resp.json()["import_id"]
    if progress is not None:
        progress(resp.json())  # the preview: its counts
    decided = await client.post(f"{enrollment}/imports/{import_id}/approve", auth=approver)
    decided.raise_for_status()
    while True:
        answer = await client.get(f"{enrollment}/imports/{import_id}", auth=auth)
        status: dict[str, Any] = answer.raise_for_status().json()
        if progress is not None:
            progress(status)
        if status["status"] in ("completed", "failed", "interrupted"):
            errors = (
                await client.get(f"{enrollment}/imports/{import_id}/errors", auth=auth)
            ).json()
            status["errors"] = errors.get("errors", errors) if isinstance(errors, dict) else errors
            return status
        await asyncio.sleep(0.3)


async def import_receipts(
    client: httpx.AsyncClient, enrollment: str, import_id: str, *, auth: httpx.Auth
) -> dict[int, dict[str, str]]:
    """The import's receipts download, as the officer (``auth``) gets it to hand them out:
    line -> proposal_id, code."""
    resp = await client.get(f"{enrollment}/imports/{import_id}/receipts", auth=auth)
    resp.raise_for_status()
    return {int(r["line"]): r for r in csv.DictReader(io.StringIO(resp.text))}


async def follow(
    client: httpx.AsyncClient, urls: dict[str, str], outcome: Outcome, callers: Callers
) -> Outcome:
    """Refresh one resident's state from the owning agencies, as their own people."""
    pid = outcome.participant_id
    decision = await client.get(f"{urls['verification']}/decisions/{pid}", auth=callers.verifier)
    _authorized(decision)
    if decision.status_code == 200:
        body = decision.json()["latest"]
        outcome.reasons = [r["code"] for r in body.get("reasons", [])]
        status = body["status"]
        if status in ("rejected", "waitlisted"):
            outcome.state = status
        elif status in ("verified", "active"):
            outcome.state = "verified"
        else:
            outcome.state = status
    if outcome.state == "verified":
        bpjs = await client.get(
            f"{urls['bpjs-gateway']}/participants/{pid}", auth=callers.bpjs_desk
        )
        if _authorized(bpjs).status_code == 200:
            body = bpjs.json()
            if body.get("status") == "active":
                outcome.state = "activated"
                outcome.no_kartu = body.get("no_kartu")
                outcome.provider = body.get("nm_provider")
            elif body.get("status") == "refused":
                outcome.state = "refused"
                outcome.reasons = [body.get("bpjs_code", "BPJS_REFUSED")]
    messages = await client.get(
        f"{urls['notifications']}/messages", params={"participant_id": pid}, auth=callers.agent
    )
    if _authorized(messages).status_code == 200:
        outcome.messages = [m["template"] for m in messages.json().get("messages", [])]
    return outcome


def _authorized(answer: httpx.Response) -> httpx.Response:
    """A 401/403 is the caller's problem, not the resident's: stop rather than wait on."""
    if answer.status_code in (401, 403):
        answer.raise_for_status()
    return answer


def summarize(outcomes: list[Outcome]) -> Counter[tuple[str, str]]:
    """Counts by (final state, reason)."""
    counts: Counter[tuple[str, str]] = Counter()
    for o in outcomes:
        counts[(o.state, ",".join(o.reasons) or "-")] += 1
    return counts
