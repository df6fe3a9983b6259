"""jkn-bus: the plumbing every jkn-daerah service stands on, written once.

- ``ServiceRuntime``: pool, migrations, outbox relay and event consumer of one service.
- ``UnitOfWork``: one transaction holding state changes and the events describing them.
- ``EventConsumer`` / ``TransientError``: idempotent inbox, retries, dead letters.
- ``HandlerTable``: a service's handlers keyed by event class (``{ParticipantVerified: …}``).
- ``OutboxRelay``: ordered, at-least-once publication of committed events.
- ``create_app`` / ``serve``: the HTTP face (health, metrics, validation errors without PII).

The names are imported when first used (PEP 562): a process that needs one small module
(a snapshot's parse worker needs ``jkn_bus.field_errors`` and the sealing code) does not
load the web framework, Kafka client and telemetry with it (about 80 MiB).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jkn_bus.consumer import EventConsumer, Record, TransientError
    from jkn_bus.db import Migration, load_migrations
    from jkn_bus.handler_table import Handler, HandlerTable
    from jkn_bus.http import create_app, serve
    from jkn_bus.relay import OutboxRelay
    from jkn_bus.service import ServiceRuntime
    from jkn_bus.settings import BusSettings, database_url_for
    from jkn_bus.unit_of_work import UnitOfWork

_HOMES = {
    "BusSettings": "jkn_bus.settings",
    "EventConsumer": "jkn_bus.consumer",
    "Handler": "jkn_bus.handler_table",
    "HandlerTable": "jkn_bus.handler_table",
    "Migration": "jkn_bus.db",
    "OutboxRelay": "jkn_bus.relay",
    "Record": "jkn_bus.consumer",
    "ServiceRuntime": "jkn_bus.service",
    "TransientError": "jkn_bus.consumer",
    "UnitOfWork": "jkn_bus.unit_of_work",
    "create_app": "jkn_bus.http",
    "database_url_for": "jkn_bus.settings",
    "load_migrations": "jkn_bus.db",
    "serve": "jkn_bus.http",
}

__all__ = [
    "BusSettings",
    "EventConsumer",
    "Handler",
    "HandlerTable",
    "Migration",
    "OutboxRelay",
    "Record",
    "ServiceRuntime",
    "TransientError",
    "UnitOfWork",
    "create_app",
    "database_url_for",
    "load_migrations",
    "serve",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'jkn_bus' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # found once; later lookups are plain attribute reads
    return value
