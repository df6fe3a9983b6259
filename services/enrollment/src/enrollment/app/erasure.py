"""Erasure of a resident's personal data (crypto-shredding), a Dinsos officer's command.

Allowed when every proposal of the resident is over (rejected, refused by BPJS,
deactivated) and either the resident was never enrolled (no proposal of theirs was ever
activated: nothing of theirs is to be kept) or the last one ended at least the retention
period ago (``ENROLLMENT_ERASURE_AFTER_DAYS``, ``EnrollmentSettings.erasure_after``).
In one transaction: the resident's data key is destroyed (a tombstone in the keyring:
every sealed copy on the bus becomes unreadable), the personal fields of every proposal
and refill candidate of theirs are blanked here, and ResidentDataErased is stated (the
officer as actor) for the other services to blank their own copies. Pseudonyms, statuses,
reasons, the card and every decision stay. Erasing again answers the first erasure.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jkn_bus import UnitOfWork
from jkn_bus.personal_data import PersonalDataErased
from jkn_contracts import Actor, ErasureGround, ResidentDataErased
from jkn_contracts.events import ResidentDataErasedPayload

from enrollment.app.resident_ports import ErasureStore
from enrollment.domain.status import CLOSED_STATUSES, ProposalStatus
from enrollment.settings import sealer

__all__ = ["Erased", "ErasureRefused", "erase_resident"]


class ErasureRefused(Exception):
    """The resident's data may not be erased yet: ``code`` is ``STILL_ACTIVE`` (a proposal
    of theirs is not over) or ``RETENTION_NOT_OVER`` (``until``: when it will be)."""

    def __init__(self, code: str, until: datetime | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.until = until


@dataclass(frozen=True)
class Erased:
    event_id: uuid.UUID  # of the ResidentDataErased (the first one, when erased before)
    ground: ErasureGround
    already: bool  # erased by an earlier request: nothing done now


async def erase_resident(
    uow: UnitOfWork,
    participant_id: str,
    *,
    actor: Actor,
    retention: timedelta,
    store: ErasureStore,
    now: datetime | None = None,
) -> Erased | None:
    """Erase the resident's personal data, or raise :class:`ErasureRefused`; None when
    Dinas Sosial never proposed them. ``store``: their rows (``adapters.erasure``)."""
    now = now or datetime.now(UTC)
    conn = uow.conn
    rows = await store.lock_proposals_of(conn, participant_id)
    if not rows:
        return None
    if any(ProposalStatus(r["status"]) not in CLOSED_STATUSES for r in rows):
        raise ErasureRefused("STILL_ACTIVE")
    enrolled = any(r["no_kartu"] is not None for r in rows) or await store.ever_activated(
        conn, [r["proposal_id"] for r in rows]
    )
    ground = ErasureGround.RETENTION_OVER if enrolled else ErasureGround.NEVER_ENROLLED
    if all(r["erased_at"] is not None for r in rows):
        return Erased(rows[-1]["erasure_event_id"], ground, already=True)
    if enrolled:
        ended = max(r["updated_at"] for r in rows)
        if now - ended < retention:
            raise ErasureRefused("RETENTION_NOT_OVER", until=ended + retention)
    keyring = sealer().keyring
    try:
        key_version: int | None = (await keyring.current(conn, participant_id)).version
    except PersonalDataErased:  # no live key (never sealed, or destroyed already)
        key_version = None
    destroyed = await keyring.destroy(conn, participant_id)
    event = ResidentDataErased(
        participant_id=participant_id,
        correlation_id=uuid.uuid4(),
        actor=actor,
        payload=ResidentDataErasedPayload(
            ground=ground, key_version=key_version if destroyed else None
        ),
    )
    await store.blank_resident(conn, participant_id, now, event.event_id)
    await uow.emit(event)
    return Erased(event.event_id, ground, already=False)
