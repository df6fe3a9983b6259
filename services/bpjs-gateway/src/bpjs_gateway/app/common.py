"""What the gateway's use cases share: how a sealed event is opened (an erased resident is
skipped), and how BPJS's refusal of a mutation is stated.

Failures of a call to BPJS are the intent worker's to handle (``app.worker``): BPJS
unreachable or answering garbage is retried with backoff, the intent stays pending and
nothing else waits for it; BPJS refusing a mutation (metaData code 201) is a fact, stated
as ``RegistrationRefused``. A mutation whose answer was lost is never filed blindly again:
the next attempt looks the resident up first (``app.registration``, ``app.deactivation``).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, Literal

from jkn_bus import UnitOfWork
from jkn_bus.personal_data import PersonalDataErased, skipped_erased
from jkn_contracts import (
    CoverageCheckRequested,
    ParticipantVerified,
    RegistrationRefused,
)
from jkn_contracts.events import RefusedPayload
from jkn_contracts.legacy import CoverageCheckRequestedV1, ParticipantVerifiedV1

from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import (
    BpjsBusinessError,
    Intent,
    IntentQueue,
    ParticipantRecord,
    ParticipantRepository,
)
from bpjs_gateway.domain.redaction import redact_niks

__all__ = ["open_sealed", "participant_of", "personal_of", "record_refusal", "settle"]

log = logging.getLogger(__name__)


async def open_sealed(
    uow: UnitOfWork,
    event: CoverageCheckRequested
    | CoverageCheckRequestedV1
    | ParticipantVerified
    | ParticipantVerifiedV1,
    deps: Dependencies,
) -> Any:
    """The personal fields the event seals; None when the resident was erased (their key
    destroyed): a domain outcome, counted, never a retry or a dead letter."""
    try:
        return await deps.sealer.open(uow.conn, event)
    except PersonalDataErased:
        _skipped(event)
        return None


def _skipped(event: Any) -> None:
    skipped_erased(log, "bpjs-gateway", event, "skipped")


async def personal_of(intent: Intent, deps: Dependencies, queue: IntentQueue) -> Any:
    """The personal fields of the intent's cause, as the claim opened them
    (``Intent.opened``), else opened now; None when the resident was erased."""
    if intent.opened:
        if intent.personal is None:
            _skipped(intent.cause)
        return intent.personal
    async with queue.reading(intent) as uow:
        return await open_sealed(uow, intent.cause, deps)


async def participant_of(
    intent: Intent, deps: Dependencies, queue: IntentQueue
) -> ParticipantRecord | None:
    """The participant's row as the call needs it: the one the claim read along with the
    intent, else read now (no lock: the worker runs one intent of a participant at a
    time, and the outcome's transaction writes the whole row)."""
    if intent.read_along:
        return intent.participant
    async with queue.reading(intent) as uow:
        return await deps.repository(uow).get(intent.participant_id)


async def record_refusal(
    uow: UnitOfWork,
    repo: ParticipantRepository,
    record: ParticipantRecord,
    *,
    mutation: Literal["tambah", "kurang"],
    cause_event_id: uuid.UUID,
    tgl_berlaku: date,
    refusal: BpjsBusinessError,
) -> None:
    """BPJS refused ``mutation``: keep ``record`` with BPJS's code and message, an audit
    row of the refusal, and state it as ``RegistrationRefused`` (a *tambah* and a *kurang*
    alike; NIKs in BPJS's message are masked)."""
    pid = record.participant_id
    code, message = refusal.code, redact_niks(refusal.message)
    await repo.save(dataclasses.replace(record, bpjs_code=code, bpjs_message=message))
    await repo.log_mutation(
        participant_id=pid,
        mutation=mutation,
        cause_event_id=cause_event_id,
        outcome="refused",
        tgl_berlaku=tgl_berlaku,
        no_kartu=record.no_kartu,
        bpjs_code=code,
        bpjs_message=message,
    )
    await uow.emit(
        uow.new_event(
            RegistrationRefused,
            participant_id=pid,
            payload=RefusedPayload.model_validate(
                {
                    "proposal_id": record.proposal_id,
                    "mutation": mutation,
                    "bpjs_code": code,
                    "bpjs_message": message,
                }
            ),
        )
    )
    log.info("BPJS refused the %s (code %s)", mutation, code, extra={"participant_id": pid})


async def settle(
    queue: IntentQueue,
    intent: Intent,
    outcome: str,
    write: Callable[[UnitOfWork], Awaitable[None]] | None = None,
) -> str:
    """Mark ``intent`` done with ``outcome``, after ``write`` (what else the outcome's
    transaction records; None: nothing, no call was needed); returns the outcome, or
    ``superseded`` when the intent is no longer this claim's (nothing written)."""
    async with queue.recording(intent, outcome) as uow:
        if uow is None:
            return "superseded"
        if write is not None:
            await write(uow)
    return outcome
