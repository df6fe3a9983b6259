"""The channels (SMS, WhatsApp, e-mail) and the development sink that stands in for them.

Each implements ``app.ports.MessageChannel``: it delivers a message or raises
``ChannelError`` (``permanent=True``: retrying cannot help, no such number, no provider);
``Delivery``, ``ChannelError``, ``MessageChannel`` and ``BatchChannel`` (a channel taking a
dispatcher round's messages at once, as the dev sink does) are declared there and named here
too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import asyncpg

from notifications.adapters.at_rest import SINK_ROW_KEY, NotificationsColumns
from notifications.app.ports import BatchChannel, ChannelError, Delivery, MessageChannel

__all__ = [
    "BatchChannel",
    "ChannelError",
    "Delivery",
    "DevSinkChannel",
    "EmailChannel",
    "MessageChannel",
    "SmsChannel",
    "UnconfiguredChannel",
    "WhatsAppChannel",
    "sink_copy",
]


class SmsChannel(MessageChannel, Protocol):
    """An SMS gateway (e.g. a provider's HTTP API); address = +62… number."""


class WhatsAppChannel(MessageChannel, Protocol):
    """WhatsApp Business API; address = +62… number; body within an approved template."""


class EmailChannel(MessageChannel, Protocol):
    """An SMTP relay or e-mail API; address = e-mail address."""


class DevSinkChannel:
    """Stores every message in the ``sink`` table instead of sending it (development, demo),
    sealed as the message is (``adapters.at_rest``); a dispatcher round's messages with one
    INSERT (``send_many``).

    Idempotent per message id, like a provider that honours idempotency keys. Written on a
    connection of its own, committed at once: like a provider, it has the message whether
    or not the dispatcher's transaction commits (a resend after a crash is dropped).
    """

    def __init__(self, pool: asyncpg.Pool, columns: NotificationsColumns) -> None:
        self._pool = pool
        self._columns = columns

    async def send(self, delivery: Delivery) -> None:
        [failure] = await self.send_many([delivery])
        if failure is not None:
            raise failure

    async def send_many(self, deliveries: Sequence[Delivery]) -> list[Exception | None]:
        """Seal each delivery (one that cannot be sealed fails alone), then store the others
        with one statement, in their order."""
        outcomes: list[Exception | None] = []
        rows: list[tuple[uuid.UUID, str, bytes | None, bytes | None, bytes | None]] = []
        async with self._pool.acquire() as conn:
            for delivery in deliveries:
                try:
                    sealed = await self._seal(conn, delivery)
                except Exception as exc:
                    outcomes.append(exc)
                    continue
                outcomes.append(None)
                rows.append((delivery.message_id, delivery.channel, *sealed))
            if rows:
                await conn.execute(
                    "INSERT INTO sink (message_id, channel, address_sealed, subject_sealed,"
                    " body_sealed) SELECT * FROM unnest($1::uuid[], $2::text[], $3::bytea[],"
                    " $4::bytea[], $5::bytea[]) ON CONFLICT (message_id) DO NOTHING",
                    *(list(column) for column in zip(*rows, strict=True)),
                )
        return outcomes

    async def _seal(
        self, conn: Any, delivery: Delivery
    ) -> tuple[bytes | None, bytes | None, bytes | None]:
        about = delivery.participant_id or delivery.tracking_number or str(delivery.message_id)
        sealed = await self._columns.sink.seal(
            conn,
            about,
            {"address": delivery.address, "subject": delivery.subject, "body": delivery.body},
            resident=delivery.participant_id is not None,
        )
        return sealed["address"], sealed["subject"], sealed["body"]


async def sink_copy(
    pool: asyncpg.Pool, columns: NotificationsColumns, message_id: uuid.UUID
) -> dict[str, Any] | None:
    """What the dev sink holds of a message, opened: channel, address, subject, body."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            f"SELECT channel, {SINK_ROW_KEY} AS row_key, address, address_sealed, subject,"  # noqa: S608 - constant
            " subject_sealed, body, body_sealed FROM sink WHERE message_id = $1",
            message_id,
        )
        if row is None:
            return None
        texts = await columns.sink.open(conn, row["row_key"], row, ("address", "subject", "body"))
    return {"channel": row["channel"], **texts}


class UnconfiguredChannel:
    """A channel with no provider behind it: every message fails, visibly and at once."""

    def __init__(self, name: str) -> None:
        self._name = name

    async def send(self, delivery: Delivery) -> None:
        raise ChannelError(f"no {self._name} provider configured", permanent=True)
