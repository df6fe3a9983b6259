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
from typing import Any

from jkn_bus import UnitOfWork
from jkn_contracts import Actor, AgencyAct

__all__ = ["AlreadyDecided", "NotFound", "SamePerson", "check", "state_decision"]


class NotFound(Exception):
    """Nothing pending by that id (404)."""


class SamePerson(Exception):
    """The checker is the maker (or the maker is unknown): a second person must approve."""


class AlreadyDecided(Exception):
    """The act was decided already (approved or rejected): ``status`` is where it stands."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def check(
    status: str,
    *,
    pending: str,
    maker: Actor | None,
    checker: Actor,
    approve: bool,
) -> None:
    """Raise unless ``checker`` may decide the act whose locked row has ``status`` and was
    made by ``maker``; ``pending`` is the status of an undecided act. (A missing row: the
    caller raises ``NotFound``.)"""
    if status != pending:
        raise AlreadyDecided(status)
    if approve and (maker is None or maker.id == checker.id):
        raise SamePerson


async def state_decision(
    uow: UnitOfWork,
    approve: bool,
    acts: tuple[Callable[..., AgencyAct], Callable[..., AgencyAct]],
    *,
    subject: Any,
    checker: Actor,
    payload: Any,
) -> AgencyAct:
    """Emit the decision: ``acts[0]`` (approved) or ``acts[1]`` (rejected) about ``subject``
    (its id, the correlation of the decision), by ``checker``, in ``uow``'s transaction."""
    kind = acts[0] if approve else acts[1]
    event = kind(correlation_id=subject, actor=checker, payload=payload)
    await uow.emit(event)
    return event
