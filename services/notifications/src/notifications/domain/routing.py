"""Which channel reaches a resident: the phone first (WhatsApp or SMS), e-mail otherwise."""

from __future__ import annotations

from typing import Literal

from notifications.domain.keys import Channel

__all__ = ["choose_channel"]


def choose_channel(
    phone: str | None, email: str | None, *, phone_channel: Literal["whatsapp", "sms"] = "whatsapp"
) -> Channel | None:
    """The channel to use for a contact, or None when there is no way to reach them.

    Most residents of the program have a phone and few read e-mail, so a phone number wins.
    """
    if phone:
        return phone_channel
    if email:
        return "email"
    return None
