"""The two-person rule (maker-checker) of every act with mass effect, written once
(docs/domain.md): Dinsos's imports, reconciliation runs and refill batches, Dinkes's quota
cuts. Domain-free: an act is a pending thing with a status and a maker; what it is, where
it is stored and what its decision states stay with the service.

One officer (the maker) prepares the act: it is stored pending and changes nothing. A second
one (the checker) approves it, or any officer (the maker too) rejects it. The service checks
the rule in the transaction that holds the act's row lock, so an act is decided once:

- the act exists (``NotFound``) and is still pending (``AlreadyDecided``, with its status);
- approving: the checker is not the maker (``SamePerson``). Both are compared by actor id,
  the pseudonym of a token's issuer and subject, never a name. An unknown maker (a row kept
  before makers were) cannot be told apart from the checker: such an act can only be
  rejected.

Who may decide at all (the approving role) is the route's policy (``jkn_contracts.access``),
checked before the service is reached. How the refusals are answered over HTTP is
``jkn_bus.two_person_http``: this module stays free of HTTP so app layers can use it.
"""

from __future__ import annotations

from typing import TypeVar

from jkn_contracts import Actor

__all__ = ["AlreadyDecided", "NotFound", "SamePerson", "check", "found"]

T = TypeVar("T")


class NotFound(Exception):
    """Nothing by that id to decide (404)."""


class SamePerson(Exception):
    """The checker is the maker (or the maker is unknown): a second person must approve."""


class AlreadyDecided(Exception):
    """The act was decided already: ``status`` is where it stands (approved, rejected, ...)."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def found(act: T | None) -> T:
    """The act a store found by id (locked), or ``NotFound`` when it found none."""
    if act is None:
        raise NotFound
    return act


def check(
    status: str,
    *,
    pending: str,
    maker: Actor | None,
    checker: Actor,
    approve: bool,
) -> None:
    """Raise unless ``checker`` may decide the act whose locked row has ``status`` and was
    made by ``maker``; ``pending`` is the status of an undecided act of its kind. A
    rejection needs no second person: the maker may withdraw their own act."""
    if status != pending:
        raise AlreadyDecided(status)
    if approve and (maker is None or maker.id == checker.id):
        raise SamePerson
