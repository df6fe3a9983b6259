"""Channel ports (SMS, WhatsApp, e-mail) and the development sink that stands in for them.

A channel either delivers a message or raises ``ChannelError``; ``permanent=True`` means
retrying cannot help (no such number, no provider). ``message_id`` is passed to every
channel so that a provider with idempotency keys can drop a resend after a crash
between its acknowledgement and our commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

import asyncpg

__all__ = [
    "ChannelError",
    "Delivery",
    "DevSinkChannel",
    "EmailChannel",
    "MessageChannel",
    "SmsChannel",
    "UnconfiguredChannel",
    "WhatsAppChannel",
]


@dataclass(frozen=True)
class Delivery:
    """One message to one address. ``address`` is personal data: never log it."""

    message_id: uuid.UUID
    channel: str
    address: str | None = field(repr=False)
    subject: str
    body: str = field(repr=False)


class ChannelError(Exception):
    """A delivery failed; the text must not contain the address or the body."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class MessageChannel(Protocol):
    async def send(self, delivery: Delivery) -> None: ...


class SmsChannel(MessageChannel, Protocol):
    """An SMS gateway (e.g. a provider's HTTP API); address = +62… number."""


class WhatsAppChannel(MessageChannel, Protocol):
    """WhatsApp Business API; address = +62… number; body within an approved template."""


class EmailChannel(MessageChannel, Protocol):
    """An SMTP relay or e-mail API; address = e-mail address."""


class DevSinkChannel:
    """Stores every message in the ``sink`` table instead of sending it (development, demo).

    Idempotent per message id, like a provider that honours idempotency keys.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def send(self, delivery: Delivery) -> None:
        await self._pool.execute(
            "INSERT INTO sink (message_id, channel, address, subject, body)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO NOTHING",
            delivery.message_id,
            delivery.channel,
            delivery.address,
            delivery.subject,
            delivery.body,
        )


class UnconfiguredChannel:
    """A channel with no provider behind it: every message fails, visibly and at once."""

    def __init__(self, name: str) -> None:
        self._name = name

    async def send(self, delivery: Delivery) -> None:
        raise ChannelError(f"no {self._name} provider configured", permanent=True)
