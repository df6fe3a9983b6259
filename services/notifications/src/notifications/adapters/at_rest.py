"""Notifications' personal columns at rest (migration 0004) and their start-up backfill.

About a participant — the contact (name, sex, phone, e-mail), the subjects and bodies of
the messages about them (they greet them by name), the dev sink's copies (with the
address) — under the resident's key from the keyring; about no participant — the public's
feedback (text, reply address, answer), the replies to its sender and their sink copies —
under this service's own key, bound to the tracking number (``jkn_bus.sealed_rows``).
Messages are sealed rather than rendered at send time: a message's text is decided when
its event arrives (the event is not kept), and sealed under the resident's key it is
shredded with every other copy of their data.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from jkn_bus.at_rest import ServiceKeys
from jkn_bus.keyring import Keyring, KeyringPort
from jkn_bus.personal_data import KeyEncryptionKeys
from jkn_bus.sealed_rows import Backfill, ClearRows, PersonalColumns

__all__ = ["SINK_PARTICIPANT", "SINK_ROW_KEY", "NotificationsColumns", "backfill", "columns_for"]

_OF_MESSAGE = "(SELECT m.{} FROM messages m WHERE m.message_id = sink.message_id)"
SINK_PARTICIPANT = _OF_MESSAGE.format("participant_id")
"""The resident a sink row's message is about (SQL, in a query of ``sink``)."""
SINK_ROW_KEY = (
    f"coalesce({SINK_PARTICIPANT}, {_OF_MESSAGE.format('tracking_number')}, message_id::text)"
)
"""What a sink row's values are bound to: its message's participant or tracking number."""


@dataclass(frozen=True)
class NotificationsColumns:
    """The sealed columns of each table, under one keyring and one service key."""

    contacts: PersonalColumns
    messages: PersonalColumns
    sink: PersonalColumns
    feedback: PersonalColumns


def columns_for(
    keks: KeyEncryptionKeys, keyring: KeyringPort | None = None
) -> NotificationsColumns:
    """The service's columns under ``keks`` (the keyring's too, unless ``keyring`` is
    given: the one the handlers' sealer reads)."""
    ring = keyring or Keyring(keks)
    keys = ServiceKeys(keks)
    return NotificationsColumns(
        *(PersonalColumns(ring, keys, t) for t in ("contacts", "messages", "sink", "feedback"))
    )


def backfill(pool: asyncpg.Pool, columns: NotificationsColumns) -> Backfill:
    """Seals what rows written before migration 0004 hold in clear."""
    return Backfill(
        pool,
        [
            ClearRows(
                columns.contacts,
                key="participant_id",
                row_key="participant_id",
                clear=("name", "sex", "phone", "email"),
                participant="participant_id",
            ),
            ClearRows(
                columns.messages,
                key="message_id",
                row_key="coalesce(participant_id, tracking_number)",
                clear=("subject", "body"),
                participant="participant_id",
            ),
            ClearRows(
                columns.sink,
                key="id",
                row_key=SINK_ROW_KEY,
                clear=("address", "subject", "body"),
                participant=SINK_PARTICIPANT,
            ),
            ClearRows(
                columns.feedback,
                key="tracking_number",
                row_key="tracking_number",
                clear=("message", "reply_address", "answer"),
            ),
        ],
        service="notifications",
    )
