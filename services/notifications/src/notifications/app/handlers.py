"""Deciding, inside the inbox transaction, which message an event calls for.

The message is only *decided* here (a pending row); the dispatcher sends it later, so a
slow or failing channel never holds up the event stream. The row's idempotency key
(event id + channel) is unique: a redelivered event cannot produce a second message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from jkn_bus import HandlerTable, UnitOfWork
from jkn_bus.keyring import Sealer
from jkn_bus.personal_data import PersonalDataErased, skipped_erased
from jkn_contracts import (
    DeactivationRequested,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    RegistrationRefused,
    ResidentDataErased,
    VerificationRejected,
)

from notifications.app.ports import Mailroom, NewMessage, StoredContact
from notifications.domain import Contact, choose_channel, idempotency_key, message_id, render

__all__ = ["Routing", "handlers"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Routing:
    """``dev_sink``: every message goes to the sink table (a resident without phone or
    e-mail too); ``live``: through the real channels, and residents we cannot reach are
    skipped (logged)."""

    mode: Literal["dev_sink", "live"] = "dev_sink"
    phone_channel: Literal["whatsapp", "sms"] = "whatsapp"


def _not_announced(event: Any) -> None:
    log.info(
        "%s of a resident asked to leave; not announced",
        event.event_type,
        extra={"participant_id": event.participant_id},
    )


def handlers(
    routing: Routing, sealer: Sealer, mailroom: Callable[[UnitOfWork], Mailroom]
) -> HandlerTable:
    """``sealer``: opens the name, sex, phone and e-mail sealed in ParticipantRegistered and
    ParticipantVerified (the keyring, read-only); ``mailroom``: the contacts and messages on
    the unit of work's connection (their personal columns sealed at rest)."""

    async def tell(
        uow: UnitOfWork,
        event: Any,
        stored: StoredContact | None = None,
        *,
        unless_leaving: bool = False,
    ) -> None:
        """Queue the event's message; ``stored``: the contact this transaction has just
        stored (``remember``), else it is read (and its row made, the dispatcher's lock).
        ``unless_leaving``: not for a resident asked to leave (a step the leaving undoes)."""
        room = mailroom(uow)
        # A deactivation request is news for the kelurahan officer, not for the resident.
        addressed_to_resident = not isinstance(event, DeactivationRequested)
        known = stored or await room.ensure_contact(
            event.participant_id, read=addressed_to_resident or unless_leaving
        )
        if unless_leaving and known is not None and known.leaving:
            _not_announced(event)
            return
        contact = Contact(known.name, known.sex) if known and known.name else None  # type: ignore[arg-type]
        message = render(event, contact)
        if message is None:
            return
        channel = choose_channel(
            known.phone if known else None,
            known.email if known else None,
            phone_channel=routing.phone_channel,
        )
        if channel is None:
            if routing.mode == "live":
                log.warning(
                    "no way to reach the recipient of %s",
                    event.event_type,
                    extra={"participant_id": event.participant_id},
                )
                return
            channel = "dev_sink"
        await room.queue(
            NewMessage(
                message_id=message_id(event, channel),
                idempotency_key=idempotency_key(event, channel),
                participant_id=event.participant_id,
                correlation_id=event.correlation_id,
                about_event_id=event.event_id,
                about_event_type=event.event_type,
                template=message.template_id,
                subject=message.subject,
                body=message.body,
                channel=channel,
            ),
        )

    async def remember_and_tell(
        uow: UnitOfWork, event: Any, *, proposed_again: bool = False
    ) -> None:
        """Keep the contact the event seals and tell them, unless they are leaving;
        ``proposed_again`` (a new proposal) ends their leaving first."""
        room = mailroom(uow)
        # an erased resident (key destroyed) is not greeted: nothing to greet them by
        try:
            reach = await sealer.open(uow.conn, event)
        except PersonalDataErased:
            if proposed_again:
                await room.mark_leaving(event.participant_id, None)
            skipped_erased(log, "notifications", event, "not told")
            return
        if await room.remember(event.participant_id, reach, proposed_again=proposed_again):
            _not_announced(event)
            return
        # what was just stored is what a read would answer
        await tell(uow, event, StoredContact(reach.name, reach.sex, reach.phone, reach.email))

    async def registered(uow: UnitOfWork, event: Any) -> None:
        # a new proposal: a resident asked to leave earlier is told its steps again
        await remember_and_tell(uow, event, proposed_again=True)

    async def leaving(uow: UnitOfWork, event: Any) -> None:
        # the kelurahan is told; the resident's verification and activation from now on
        # are steps the leaving undoes: not announced, the end is (docs/domain.md#race-messages)
        await mailroom(uow).mark_leaving(event.participant_id, event.occurred_at)
        await tell(uow, event)

    async def step(uow: UnitOfWork, event: Any) -> None:
        """A ParticipantVerified or ParticipantActivated: the contact is kept (the end is
        worded with it); told unless the resident is leaving."""
        if isinstance(event, ParticipantVerified):
            await remember_and_tell(uow, event)
        else:
            await tell(uow, event, unless_leaving=True)

    async def forget(uow: UnitOfWork, event: Any) -> None:
        # Dinas Sosial erased the resident (ResidentDataErased): forget their contact and
        # every text about them, in this transaction; idempotent
        await mailroom(uow).erase(event.participant_id)
        log.info("resident erased", extra={"participant_id": event.participant_id})

    return {
        ParticipantRegistered: registered,
        ResidentDataErased: forget,
        ParticipantVerified: step,
        ParticipantActivated: step,
        DeactivationRequested: leaving,
        **dict.fromkeys(
            (
                VerificationRejected,
                ParticipantWaitlisted,
                ParticipantDeactivated,
                RegistrationRefused,
            ),
            tell,
        ),
    }
