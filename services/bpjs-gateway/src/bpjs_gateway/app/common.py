"""What the gateway's use cases share: how a BPJS failure is retried, how a sealed event is
opened (an erased resident is skipped), and how BPJS's refusal of a mutation is stated.

Failures of a call to BPJS:

- BPJS unreachable, answering garbage (5xx, HTML, truncated or undecryptable body) or
  rejecting our credentials: ``TransientError``, the consumer retries with backoff and
  never dead-letters (the partition waits for BPJS, order matters).
- BPJS refuses a mutation (metaData code 201): a fact, stated as ``RegistrationRefused``.
- Anything else (a response of the wrong shape): a defect, dead-lettered after retries.

A mutation may have been accepted by BPJS while our transaction did not commit: on
redelivery the handler files it again, and BPJS answers with the same card (a *tambah*
of an existing PBI APBD participant, a *kurang* of a removed one change nothing).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import date
from typing import Any, Literal

from bpjs_bridging import BridgingDecryptError
from jkn_bus import TransientError, UnitOfWork
from jkn_bus.personal_data import ERASED, ERASED_SKIPPED, PersonalDataErased
from jkn_contracts import (
    CoverageCheckRequested,
    ParticipantVerified,
    RegistrationRefused,
)
from jkn_contracts.events import RefusedPayload
from jkn_contracts.legacy import CoverageCheckRequestedV1, ParticipantVerifiedV1

from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsUnavailable,
    ParticipantRecord,
    ParticipantRepository,
)
from bpjs_gateway.domain.redaction import redact_niks

__all__ = ["TRANSIENT", "open_sealed", "record_refusal", "transient"]

log = logging.getLogger(__name__)

TRANSIENT = (BpjsUnavailable, BpjsAuthError, BridgingDecryptError)


def transient(operation: str, exc: Exception, participant_id: str) -> TransientError:
    """The retry of a BPJS call that failed in one of the ``TRANSIENT`` ways."""
    # The class only: exception texts are BPJS's and might quote personal data.
    log.warning(
        "BPJS %s failed (%s); the event will be retried",
        operation,
        type(exc).__name__,
        extra={"participant_id": participant_id},
    )
    return TransientError(f"BPJS {operation}: {type(exc).__name__}")


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
        ERASED_SKIPPED.labels("bpjs-gateway", event.event_type).inc()
        log.info(
            "resident erased; %s skipped (%s)",
            event.event_type,
            ERASED,
            extra={"participant_id": event.participant_id},
        )
        return None


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
