"""The notifications domain: what residents and kelurahan officers are told, and the
idempotency of sending it. Pure Python: no I/O."""

from notifications.domain.keys import Channel, idempotency_key, message_id
from notifications.domain.routing import choose_channel
from notifications.domain.templates import Contact, Message, render
from notifications.domain.wording import format_date

__all__ = [
    "Channel",
    "Contact",
    "Message",
    "choose_channel",
    "format_date",
    "idempotency_key",
    "message_id",
    "render",
]
