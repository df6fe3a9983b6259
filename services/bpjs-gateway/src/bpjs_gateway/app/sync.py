"""The periodic peserta sync: learn what BPJS changed on its side (death, new segment).

BPJS changes cards without telling the city: Dukcapil reports a death, a resident starts a
job and their employer enrolls them as PPU (segment 13), a card lapses. Each pass looks up
every active participant's card (VClaim, by noKartu), a few at a time, and for each card
whose segment or status code differs from the state stored, stores the new state and emits
``PesertaStatusChanged(previous, current)`` in one transaction. The city (enrollment's
reconciliation) decides what follows; the gateway only reports.

Concurrency and idempotence. The look-up runs outside any transaction (no row lock held
across an HTTP call); the comparison runs after ``SELECT ... FOR UPDATE`` of the
participant's row, against the state stored *then*. Two passes racing (the periodic task
and ``POST /sync``, or two replicas) therefore serialise on the row: the second sees the
state the first stored and emits nothing. A *kurang* committed in between leaves the row
no longer active: the card is skipped. BPJS failures skip the card until the next pass.

Who asked. A pass asked for by hand (``POST /sync``) is an act of the caller: it is stated
first as ``PesertaSyncRequested`` (their actor, the pass's run id), and every change the
pass finds carries the same actor and that request as its cause. The pass the gateway runs
on its own timer is nobody's act: no request is stated, and its changes name no actor.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

from bpjs_bridging import BridgingDecryptError
from jkn_bus import UnitOfWork
from jkn_bus.telemetry import resident_trace, tracer
from jkn_contracts import Actor, PesertaStatusChanged, PesertaSyncRequested
from jkn_contracts.events import PesertaStatusChangedPayload, PesertaSyncRequestedPayload

from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import (
    BpjsAuthError,
    BpjsBusinessError,
    BpjsProtocolError,
    BpjsUnavailable,
    CardState,
    PesertaStates,
)
from bpjs_gateway.app.resilience import CircuitOpenError
from bpjs_gateway.domain.membership import announced_membership, change_kind, membership_of
from bpjs_gateway.domain.peserta import Peserta
from bpjs_gateway.metrics import SYNC_CHANGES, SYNC_RUNS

__all__ = ["OUTCOMES", "PesertaSync", "UnitOfWorkFactory"]

log = logging.getLogger(__name__)

Outcome = Literal["changed", "unchanged", "skipped", "not_found", "failed"]
OUTCOMES: tuple[Outcome, ...] = ("changed", "unchanged", "skipped", "not_found", "failed")


class UnitOfWorkFactory(Protocol):
    """``ServiceRuntime.unit_of_work``: a transaction, stamping ``actor`` on its events."""

    def __call__(
        self, *, actor: Actor | None = None
    ) -> AbstractAsyncContextManager[UnitOfWork]: ...


# Worth another try next pass: BPJS down, our credentials or clock, a garbled answer.
_TRANSIENT = (BpjsUnavailable, BpjsAuthError, BridgingDecryptError)


class PesertaSync:
    """One pass at a time per process (``run_once``), or forever every interval."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        deps: Dependencies,
        states: Callable[[UnitOfWork], PesertaStates],
        *,
        concurrency: int = 4,
        page_size: int = 500,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._unit_of_work = unit_of_work
        self._deps = deps
        self._states = states
        self._concurrency = concurrency
        self._page_size = page_size
        self._one_pass = asyncio.Lock()

    async def run_once(self, actor: Actor | None = None) -> dict[str, int]:
        """Look up every active card once; counts by outcome, plus ``checked``.
        ``actor``: who asked for this pass (None: the gateway's own timer)."""
        run_id = uuid.uuid4()  # the correlation id of every change found by this pass
        cause = None
        if actor is not None:  # stated at once: who asked, when (even if a pass runs now)
            cause = PesertaSyncRequested(
                correlation_id=run_id,
                actor=actor,
                payload=PesertaSyncRequestedPayload(run_id=run_id),
            )
            async with self._unit_of_work(actor=actor) as uow:
                await uow.emit(cause)
        async with self._one_pass:
            try:
                counts = await self._pass(run_id, cause)
            except Exception:
                SYNC_RUNS.labels("failed").inc()
                raise
            SYNC_RUNS.labels("completed").inc()
            return counts

    async def run_periodically(self, interval_s: float) -> None:
        """A pass every ``interval_s`` seconds (the first one interval after the start)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await self.run_once()
            except Exception as exc:
                # The class only: a database error's text may quote row values.
                log.error("peserta sync pass failed (%s)", type(exc).__name__)

    async def _pass(self, run_id: uuid.UUID, cause: PesertaSyncRequested | None) -> dict[str, int]:
        counts: Counter[str] = Counter({outcome: 0 for outcome in OUTCOMES})
        gate = asyncio.Semaphore(self._concurrency)

        async def bounded(card: CardState) -> Outcome:
            async with gate:
                return await self._check(card, run_id, cause)

        with tracer("bpjs_gateway").start_as_current_span(
            "bpjs peserta sync", attributes={"jkn.sync_run_id": str(run_id)}
        ):
            after = ""
            while True:
                async with self._unit_of_work() as uow:
                    page = await self._states(uow).active_cards(after=after, limit=self._page_size)
                if not page:
                    break
                counts.update(await asyncio.gather(*(bounded(card) for card in page)))
                after = page[-1].participant_id
        report = {"checked": sum(counts.values()), **counts}
        log.info("peserta sync pass done: %s", report, extra={"run_id": str(run_id)})
        return report

    async def _look_up(self, pid: str, no_kartu: str) -> Peserta | Outcome:
        """BPJS's view of the card, or the pass's outcome when there is none to compare."""
        try:
            peserta = await self._deps.bpjs.peserta_by_card(no_kartu, self._deps.today())
        except CircuitOpenError:
            # nothing was sent: the look-up breaker is open (its opening was logged once);
            # the card is checked next pass, with no line per card
            return "skipped"
        except _TRANSIENT as exc:
            log.warning(
                "sync look-up failed (%s); retried next pass",
                type(exc).__name__,
                extra={"participant_id": pid},
            )
            return "skipped"
        except (BpjsBusinessError, BpjsProtocolError) as exc:
            log.warning(
                "sync look-up refused (%s)", type(exc).__name__, extra={"participant_id": pid}
            )
            return "failed"
        if peserta is None:
            log.warning("BPJS does not know the participant's card", extra={"participant_id": pid})
            return "not_found"
        return peserta

    async def _check(
        self, card: CardState, run_id: uuid.UUID, cause: PesertaSyncRequested | None
    ) -> Outcome:
        pid = card.participant_id
        assert card.no_kartu is not None  # active_cards returns carded rows only
        found = await self._look_up(pid, card.no_kartu)
        if isinstance(found, str):
            return found
        peserta = found
        current = membership_of(peserta)
        async with self._unit_of_work(actor=cause.actor if cause else None) as uow:
            states = self._states(uow)
            stored = await states.get_for_update(pid)
            if stored is None or stored.status != "active" or stored.no_kartu != card.no_kartu:
                return "skipped"  # deactivated (or re-carded) since the page was read
            previous = stored.membership or announced_membership(card.no_kartu)
            kind = change_kind(previous, current)
            if stored.membership != current:
                await states.store(pid, current)
            if kind is None:
                return "unchanged"
            # the change starts the participant's deactivation trace, linked to the pass
            with resident_trace(
                "BPJS-side change found", pid, attributes={"jkn.sync_run_id": str(run_id)}
            ):
                await uow.emit(
                    PesertaStatusChanged(
                        participant_id=pid,
                        correlation_id=run_id,
                        causation_id=cause.event_id if cause else None,
                        payload=PesertaStatusChangedPayload(previous=previous, current=current),
                    )
                )
        SYNC_CHANGES.labels(kind).inc()
        log.info(
            "BPJS changed the participant's card (%s: %s/%s -> %s/%s)",
            kind,
            previous.jenis_peserta_kode,
            previous.status_kode,
            current.jenis_peserta_kode,
            current.status_kode,
            extra={"participant_id": pid},
        )
        return "changed"
