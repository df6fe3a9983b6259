"""Enrollment's acts with mass effect under the two-person rule (maker-checker,
``jkn_bus.two_person``; docs/domain.md): an import of proposals, a reconciliation run, a
batch of refills.

The rule itself (the act exists, is still pending, and an approver is not its maker:
``NotFound``, ``AlreadyDecided``, ``SamePerson``) is ``jkn_bus.two_person``'s, shared with
verification's quota cuts. What is enrollment's stays here: its pending acts are rows of
``PendingActs`` stores (``app.ports``), locked in the deciding transaction, and each kind of
act (``ActKind``) has its own statuses and the events that state its decision. The approving
role is the route's policy: every decision route grants it to ``dinsos-officer`` only
(``jkn_contracts.access``), checked before the route runs.

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
from jkn_bus.two_person import check, found
from jkn_contracts import Actor, AgencyAct

from enrollment.app.ports import PendingActs

__all__ = ["ActKind", "close_act", "open_act"]


@dataclass(frozen=True)
class ActKind:
    """One kind of act: the events that state its decision, the status of a pending act and
    the statuses a decision leaves it in."""

    approved: Callable[..., AgencyAct]
    rejected: Callable[..., AgencyAct]
    pending: str
    approved_status: str
    rejected_status: str = "rejected"


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
    row = found(await store.lock(conn, act_id))
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
