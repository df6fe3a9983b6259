"""The same message is never sent twice."""

from __future__ import annotations

import uuid

from jkn_contracts import ParticipantWaitlisted
from notifications.domain import idempotency_key, message_id


def waitlisted() -> ParticipantWaitlisted:
    return ParticipantWaitlisted.model_validate(
        {
            "participant_id": "P3f9a0c1d2e4b5a6978877665",
            "correlation_id": uuid.uuid4(),
            "payload": {"proposal_id": uuid.uuid4(), "position": 3},
        }
    )


def test_a_redelivered_event_has_the_same_idempotency_key() -> None:
    ev = waitlisted()
    redelivered = ParticipantWaitlisted.model_validate_json(ev.model_dump_json())
    assert idempotency_key(ev, "sms") == idempotency_key(redelivered, "sms")
    assert message_id(ev, "sms") == message_id(redelivered, "sms")


def test_each_channel_and_each_event_has_its_own_key() -> None:
    ev, other = waitlisted(), waitlisted()
    keys = {idempotency_key(ev, "sms"), idempotency_key(ev, "email"), idempotency_key(other, "sms")}
    assert len(keys) == 3


def test_the_key_names_the_event_and_channel_and_holds_no_personal_data() -> None:
    ev = waitlisted()
    assert idempotency_key(ev, "whatsapp") == f"ParticipantWaitlisted:{ev.event_id}:whatsapp"
    assert isinstance(message_id(ev, "whatsapp"), uuid.UUID)
