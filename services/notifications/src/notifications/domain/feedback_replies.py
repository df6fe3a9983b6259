"""What the sender of a feedback item is told: that it arrived (with the tracking number,
the access code and the deadline) and, later, the agency's answer."""

from __future__ import annotations

from datetime import date

from notifications.domain.feedback import AGENCY_NAMES, Agency, Kind
from notifications.domain.templates import Message
from notifications.domain.texts import TEXTS
from notifications.domain.wording import format_date

__all__ = ["answered_reply", "received_reply"]


def _message(template_id: str, **values: object) -> Message:
    subject, body = TEXTS[template_id]
    return Message(template_id, subject.format(**values), body.format(**values))


def received_reply(
    kind: Kind, tracking_number: str, access_code: str, agency: Agency, due: date
) -> Message:
    """The automatic reply to a new item."""
    return _message(
        "feedback_received",
        jenis_judul=kind.capitalize(),
        nomor=tracking_number,
        kode=access_code,
        instansi=AGENCY_NAMES[agency],
        batas=format_date(due),
    )


def answered_reply(kind: Kind, tracking_number: str, agency: Agency, answer: str) -> Message:
    """The agency's answer, passed on to the sender."""
    return _message(
        "feedback_answered",
        jenis=kind,
        nomor=tracking_number,
        instansi=AGENCY_NAMES[agency],
        jawaban=answer,
    )
