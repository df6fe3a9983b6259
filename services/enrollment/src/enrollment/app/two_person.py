"""The two-person rule (maker-checker) of every act with mass effect: an import of
proposals, a reconciliation run, a batch of refills (docs/domain.md).

One officer (the maker) prepares the act: it is stored pending and sends nothing. A second
one (the checker) approves it, or any officer rejects it. The rule, checked in the
transaction that holds the pending row's lock (one decision per act):

- the thing exists (``NotFound``) and is still pending (``AlreadyDecided``, with its status);
- approving: the checker is not the maker (``SamePerson``): their actor ids differ, the
  pseudonyms of the tokens' issuer and subject, never a name. A maker that is unknown (a
  row from before actors were kept) cannot be told apart from the checker, so such an act
  cannot be approved, only rejected;
- the checker holds the approving role: every decision route's policy grants it to
  ``dinsos-officer`` only (``jkn_contracts.access``), checked before the route runs, so the
  app is never reached by another role.

The decision is then stated as one agency act (``…Approved`` / ``…Rejected``: the checker
as actor, the maker in the payload) in the same transaction as the row's new status, so the
audit trail and the row cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from jkn_bus import UnitOfWork
from jkn_contracts import Actor, AgencyAct

from enrollment.app.ports import PendingActs

__all__ = [
    "ActKind",
    "AlreadyDecided",
    "NotFound",
    "SamePerson",
    "check",
    "close_act",
    "open_act",
]


class NotFound(Exception):
    """Nothing pending by that id (404)."""


class SamePerson(Exception):
    """The checker is the maker (or the maker is unknown): a second person must approve."""


class AlreadyDecided(Exception):
    """The act was decided already (approved or rejected): ``status`` is where it stands."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class ActKind:
    """One kind of act: the events that state its decision, the status of a pending act and
    the statuses a decision leaves it in."""

    approved: Callable[..., AgencyAct]
    rejected: Callable[..., AgencyAct]
    pending: str
    approved_status: str
    rejected_status: str = "rejected"


def check(
    status: str,
    *,
    pending: str,
    maker: Actor | None,
    checker: Actor,
    approve: bool,
) -> None:
    """Raise unless ``checker`` may decide the act whose locked row has ``status`` and was
    made by ``maker``; ``pending`` is the status of an undecided act."""
    if status != pending:
        raise AlreadyDecided(status)
    if approve and (maker is None or maker.id == checker.id):
        raise SamePerson


async def open_act(
    kind: ActKind,
    store: PendingActs,
    conn: asyncpg.Connection,
    act_id: Any,
    *,
    maker_of: Callable[[asyncpg.Record], Actor | None],
    checker: Actor,
    approve: bool,
) -> tuple[asyncpg.Record, Actor | None]:
    """Lock the act's row in ``conn``'s transaction and check the rule: its row and maker.
    Raises NotFound, AlreadyDecided, SamePerson."""
    row = await store.lock(conn, act_id)
    if row is None:
        raise NotFound
    maker = maker_of(row)
    check(row["status"], pending=kind.pending, maker=maker, checker=checker, approve=approve)
    return row, maker


async def close_act(
    kind: ActKind,
    store: PendingActs,
    uow: UnitOfWork,
    act_id: Any,
    *,
    approve: bool,
    checker: Actor,
    payload: Any,
) -> tuple[AgencyAct, str]:
    """State the decision (the checker as actor, ``act_id`` its correlation) and record it
    on the act's row, in ``uow``'s transaction: the event and the act's new status."""
    event = (kind.approved if approve else kind.rejected)(
        correlation_id=act_id, actor=checker, payload=payload
    )
    await uow.emit(event)
    status = kind.approved_status if approve else kind.rejected_status
    await store.decide(uow.conn, act_id, status, checker, event.event_id)
    return event, status
