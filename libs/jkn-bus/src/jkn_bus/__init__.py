"""jkn-bus: the plumbing every jkn-daerah service stands on, written once.

- ``ServiceRuntime``: pool, migrations, outbox relay and event consumer of one service.
- ``UnitOfWork``: one transaction holding state changes and the events describing them.
- ``EventConsumer`` / ``TransientError``: idempotent inbox, retries, dead letters.
- ``HandlerTable``: a service's handlers keyed by event class (``{ParticipantVerified: …}``).
- ``OutboxRelay``: ordered, at-least-once publication of committed events.
- ``create_app`` / ``serve``: the HTTP face (health, metrics, validation errors without PII).
"""

from jkn_bus.consumer import EventConsumer, Record, TransientError
from jkn_bus.db import Migration, load_migrations
from jkn_bus.handler_table import Handler, HandlerTable
from jkn_bus.http import create_app, field_errors, serve
from jkn_bus.relay import OutboxRelay
from jkn_bus.service import ServiceRuntime
from jkn_bus.settings import BusSettings, database_url_for
from jkn_bus.unit_of_work import UnitOfWork

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
    "field_errors",
    "load_migrations",
    "serve",
]
