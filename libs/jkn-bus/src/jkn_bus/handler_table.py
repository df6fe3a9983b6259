"""Handler tables keyed by event class, and the type names the consumer dispatches on.

A service hands its runtime ``{ParticipantVerified: on_participant_verified, …}``: the key
is the contract's class, so a misspelt or renamed type fails at import or under mypy rather
than silently never matching a record, and a unit test can hold the table to the catalogue
(``jkn_contracts.topics.handled_by``). The consumer dispatches on the ``event_type`` a
record carries; the name is read here from the class's own ``event_type`` Literal, the
same value the record's validation checks, never from ``__name__``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from jkn_contracts import EventBase, Submission

from jkn_bus.unit_of_work import UnitOfWork

__all__ = ["Handler", "HandlerTable", "by_type_name", "event_type_of"]

# ``Any``: each handler takes its own key's class (a table cannot say so to mypy per entry)
Handler = Callable[[UnitOfWork, Any], Awaitable[None]]
HandlerTable = Mapping[type[EventBase] | type[Submission], Handler]


def event_type_of(event_class: type[EventBase] | type[Submission]) -> str:
    """The ``event_type`` every record of ``event_class`` carries (its Literal's one value).

    Raises ``TypeError`` for a class without one (a base class such as ``ResidentEvent``):
    a handler keyed by it would never run.
    """
    field = event_class.model_fields.get("event_type")
    name = field.default if field is not None else None
    if not isinstance(name, str):
        msg = f"{event_class.__name__} is not an event class: it has no event_type value"
        raise TypeError(msg)
    return name


def by_type_name(table: HandlerTable) -> dict[str, Handler]:
    """``table`` keyed by the type names records carry.

    Raises ``ValueError`` when two classes carry the same name: which handler runs would
    depend on the table's order.
    """
    named: dict[str, Handler] = {}
    for event_class, handler in table.items():
        name = event_type_of(event_class)
        if name in named:
            msg = f"two handlers for event type {name}"
            raise ValueError(msg)
        named[name] = handler
    return named
