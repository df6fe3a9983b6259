"""How a mutation intent is filed at BPJS and its outcome recorded: the one shape of a
*tambah* (``app.registration``) and a *kurang* (``app.deactivation``).

1. When an earlier attempt may have reached BPJS (``intent.outcome_unknown``), the resident
   is looked up by NIK first: a mutation BPJS shows carried out is taken from the look-up
   and not filed again (docs/domain.md#confirm-by-lookup). Otherwise it is filed.
2. BPJS's refusal is a fact: the record keeps BPJS's code and message and
   ``RegistrationRefused`` states it (``app.common.record_refusal``).
3. An accepted mutation: the record saved, an audit row of the mutation, the use case's
   own event, the intent finished — in the outcome's transaction.

Each outcome is written in the intent's ``recording`` transaction (``app.common.settle``):
``superseded`` when the intent is no longer this claim's (cancelled by an erasure, taken
over after a lease ran out), nothing written.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from jkn_bus import UnitOfWork

from bpjs_gateway.app.common import record_refusal, settle
from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import BpjsBusinessError, Intent, IntentQueue, ParticipantRecord
from bpjs_gateway.domain.peserta import Mutation, MutationResult, Peserta

__all__ = ["Filed", "MutationName", "Refused", "file_once", "record_accepted", "record_refused"]

log = logging.getLogger(__name__)

MutationName = Literal["tambah", "kurang"]


@dataclass(frozen=True)
class Filed:
    """BPJS's answer to a mutation; ``resolved``: taken from a look-up, nothing filed."""

    result: MutationResult
    resolved: bool


@dataclass(frozen=True)
class Refused:
    """BPJS refused the mutation filed (a look-up's error is not a refusal: it propagates)."""

    refusal: BpjsBusinessError


async def file_once(
    intent: Intent,
    deps: Dependencies,
    mutation: Mutation,
    carried_out: Callable[[Peserta | None], MutationResult | None],
) -> Filed | Refused:
    """File ``mutation`` unless a look-up by its NIK shows it carried out already
    (``carried_out``: what the look-up shows of it, None when it does not)."""
    pid = intent.participant_id
    if intent.outcome_unknown:
        found = carried_out(await deps.bpjs.peserta_by_nik(mutation.nik, deps.today()))
        if found is not None:
            log.info(
                "%s found carried out at BPJS; not filed again",
                mutation.jenis.value,
                extra={"participant_id": pid},
            )
            return Filed(found, resolved=True)
    try:
        return Filed(await deps.bpjs.mutate(mutation), resolved=False)
    except BpjsBusinessError as exc:
        return Refused(exc)


async def record_refused(
    intent: Intent,
    deps: Dependencies,
    queue: IntentQueue,
    record: ParticipantRecord,
    *,
    mutation: MutationName,
    tgl_berlaku: date,
    refusal: BpjsBusinessError,
) -> str:
    """BPJS refused ``mutation``: ``record`` keeps its code and message, the refusal is
    stated, the intent finished ``refused``."""

    async def write(uow: UnitOfWork) -> None:
        await record_refusal(
            uow,
            deps.repository(uow),
            record,
            mutation=mutation,
            cause_event_id=intent.cause.event_id,
            tgl_berlaku=tgl_berlaku,
            refusal=refusal,
        )

    return await settle(queue, intent, "refused", write)


async def record_accepted(
    intent: Intent,
    deps: Dependencies,
    queue: IntentQueue,
    record: ParticipantRecord,
    *,
    mutation: MutationName,
    tgl_berlaku: date,
    outcome: str,
    state: Callable[[UnitOfWork], Awaitable[None]],
) -> str:
    """BPJS carried ``mutation`` out: save ``record``, log the mutation (its card is
    ``record``'s), ``state`` it on the bus, finish the intent with ``outcome``."""

    async def write(uow: UnitOfWork) -> None:
        repo = deps.repository(uow)
        await repo.save(record)
        await repo.log_mutation(
            participant_id=intent.participant_id,
            mutation=mutation,
            cause_event_id=intent.cause.event_id,
            outcome="accepted",
            tgl_berlaku=tgl_berlaku,
            no_kartu=record.no_kartu,
        )
        await state(uow)

    return await settle(queue, intent, outcome, write)
