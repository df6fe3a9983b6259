"""Reading what is sent to the feedback channel: the web form, a provider's webhook, an
agency's answer or reroute. Each reader returns the clean values or every problem found.

Errors name the field and the rule, in English and Bahasa Indonesia, and never repeat the
value: messages, phone numbers and e-mail addresses are personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from jkn_bus.field_errors import FieldError
from jkn_contracts import PARTICIPANT_ID_PATTERN

from notifications.domain.feedback import AGENCIES, KINDS, TOPICS, Agency, Kind, Topic

__all__ = [
    "MAX_MESSAGE",
    "Answer",
    "FieldError",
    "Inbound",
    "ReplyTo",
    "Reroute",
    "Submission",
    "check_answer",
    "check_reroute",
    "read_answer",
    "read_inbound",
    "read_reroute",
    "read_submission",
]

MAX_MESSAGE = 2000
ReplyChannel = Literal["sms", "whatsapp", "email"]
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_PARTICIPANT = re.compile(PARTICIPANT_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """Where the sender wants the answer. ``address`` is personal data."""

    channel: ReplyChannel
    address: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Submission:
    kind: Kind
    topic: Topic
    message: str = field(repr=False)
    reply_to: ReplyTo | None = None
    participant_id: str | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """An SMS or WhatsApp message as the provider's webhook hands it over."""

    message_id: str
    sender: str = field(repr=False)
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Answer:
    agency: Agency
    answered_by: str
    answer: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Reroute:
    from_agency: Agency
    to_agency: Agency
    reason: str


_TEXTS = {
    "BODY_INVALID": "The body must be a JSON object. / Isi permintaan harus objek JSON.",
    "REQUIRED": "This field is required. / Kolom ini wajib diisi.",
    "NOT_TEXT": "This field must be text. / Kolom ini harus berupa teks.",
    "TOO_LONG": "At most {n} characters. / Paling banyak {n} karakter.",
    "FIELD_UNKNOWN": "This field is not part of the form. / Kolom ini tidak dikenal.",
    "KIND_UNKNOWN": "Kind must be one of {allowed}. / Jenis harus salah satu dari {allowed}.",
    "TOPIC_UNKNOWN": "Topic must be one of {allowed}. / Topik harus salah satu dari {allowed}.",
    "AGENCY_UNKNOWN": "Agency must be one of {allowed}. / "
    "Instansi harus salah satu dari {allowed}.",
    "CHANNEL_UNKNOWN": "Channel must be one of {allowed}. / Kanal harus salah satu dari {allowed}.",
    "PHONE_INVALID": "A phone number of 8-15 digits, e.g. +6281234567890. / "
    "Nomor telepon 8-15 angka, mis. +6281234567890.",
    "EMAIL_INVALID": "Not an e-mail address. / Bukan alamat e-mail yang sah.",
    "PARTICIPANT_ID_INVALID": "A participant id looks like P followed by 24 hex digits. / "
    "Kode peserta berbentuk P diikuti 24 digit heksadesimal.",
    "SAME_AGENCY": "The item is already with this agency. / Butir ini sudah di instansi tersebut.",
    "WRONG_JURISDICTION": "The item is routed to another agency: only it may act on it. / "
    "Butir ini ditangani instansi lain; hanya instansi itu yang dapat menindaklanjutinya.",
    "ALREADY_ANSWERED": "The item has been answered already. / Butir ini sudah ditanggapi.",
}


class _Reader:
    def __init__(self, body: object, allowed: tuple[str, ...], prefix: str = "") -> None:
        self.errors: list[FieldError] = []
        self._prefix = prefix
        self.body: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
        self.not_an_object = not isinstance(body, Mapping)
        if self.not_an_object:
            where = prefix.rstrip(".") or "body"
            self.errors.append(FieldError(where, "BODY_INVALID", _TEXTS["BODY_INVALID"]))
        for name in self.body:
            if name not in allowed:
                self.fail(str(name), "FIELD_UNKNOWN")

    def fail(self, name: str, rule: str, **values: object) -> None:
        self.errors.append(FieldError(self._prefix + name, rule, _TEXTS[rule].format(**values)))

    def text(self, name: str, limit: int, *, required: bool = True) -> str | None:
        value = self.body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "REQUIRED")
            return None
        if not isinstance(value, str):
            self.fail(name, "NOT_TEXT")
            return None
        if len(value.strip()) > limit:
            self.fail(name, "TOO_LONG", n=limit)
            return None
        return value.strip()

    def choice(self, name: str, allowed: tuple[str, ...], rule: str) -> str | None:
        value = self.text(name, 50)
        if value is not None and value not in allowed:
            self.fail(name, rule, allowed=", ".join(allowed))
            return None
        return value

    def phone(self, name: str) -> str | None:
        value = self.text(name, 30)
        if value is None:
            return None
        number = re.sub(r"[\s-]", "", value)
        if not _PHONE.fullmatch(number):
            self.fail(name, "PHONE_INVALID")
            return None
        return number


def _reply_to(body: object) -> tuple[ReplyTo | None, list[FieldError]]:
    r = _Reader(body, ("channel", "address"), prefix="reply_to.")
    if r.not_an_object:
        return None, r.errors
    channel = r.choice("channel", ("sms", "whatsapp", "email"), "CHANNEL_UNKNOWN")
    if channel == "email":
        address = r.text("address", 254)
        if address is not None and not _EMAIL.fullmatch(address):
            r.fail("address", "EMAIL_INVALID")
            address = None
    else:
        address = r.phone("address")
    if r.errors or channel is None or address is None:
        return None, r.errors
    return ReplyTo(cast(ReplyChannel, channel), address), []


def read_submission(body: object) -> Submission | list[FieldError]:
    """The web form / API body: kind, topic, message, optional reply_to and participant_id."""
    r = _Reader(body, ("kind", "topic", "message", "reply_to", "participant_id"))
    if r.not_an_object:
        return r.errors
    kind = r.choice("kind", KINDS, "KIND_UNKNOWN")
    topic = r.choice("topic", TOPICS, "TOPIC_UNKNOWN")
    message = r.text("message", MAX_MESSAGE)
    reply_to = None
    if r.body.get("reply_to") is not None:
        reply_to, problems = _reply_to(r.body["reply_to"])
        r.errors.extend(problems)
    participant_id = r.text("participant_id", 25, required=False)
    if participant_id is not None and not _PARTICIPANT.fullmatch(participant_id):
        r.fail("participant_id", "PARTICIPANT_ID_INVALID")
    if r.errors or kind is None or topic is None or message is None:
        return r.errors
    return Submission(cast(Kind, kind), cast(Topic, topic), message, reply_to, participant_id)


def read_inbound(body: object) -> Inbound | list[FieldError]:
    """A provider's webhook body, provider-neutral: message_id, from, text (and the
    message's timestamp, checked with the signature before: entrypoints.webhooks). A text
    longer than ``MAX_MESSAGE`` is cut there, not refused: the provider cannot fix it."""
    r = _Reader(body, ("message_id", "from", "text", "timestamp"))
    if r.not_an_object:
        return r.errors
    message_id = r.text("message_id", 200)
    sender = r.phone("from")
    text = r.text("text", 1_000_000)
    if r.errors or message_id is None or sender is None or text is None:
        return r.errors
    return Inbound(message_id, sender, text[:MAX_MESSAGE])


def read_answer(body: object, *, agency: Agency, answered_by: str) -> Answer | list[FieldError]:
    """An answer of ``agency`` (the caller's, from their token; a body naming an agency is
    refused as FIELD_UNKNOWN), given by ``answered_by`` (the caller's actor id)."""
    r = _Reader(body, ("answer",))
    if r.not_an_object:
        return r.errors
    answer = r.text("answer", MAX_MESSAGE)
    if r.errors or answer is None:
        return r.errors
    return Answer(agency, answered_by, answer)


def read_reroute(body: object, *, from_agency: Agency) -> Reroute | list[FieldError]:
    """A reroute by ``from_agency`` (the caller's, from their token) to ``to_agency``."""
    r = _Reader(body, ("to_agency", "reason"))
    if r.not_an_object:
        return r.errors
    target = r.choice("to_agency", AGENCIES, "AGENCY_UNKNOWN")
    reason = r.text("reason", 500)
    if target is not None and from_agency == target:
        r.fail("to_agency", "SAME_AGENCY")
    if r.errors or target is None or reason is None:
        return r.errors
    return Reroute(from_agency, cast(Agency, target), reason)


def _conflict(field_name: str, rule: str) -> FieldError:
    return FieldError(field_name, rule, _TEXTS[rule])


def check_answer(routed_to: str, status: str, answer: Answer) -> FieldError | None:
    """Only the agency an item is routed to answers it, and only once."""
    if answer.agency != routed_to:
        return _conflict("agency", "WRONG_JURISDICTION")
    if status == "answered":
        return _conflict("tracking_number", "ALREADY_ANSWERED")
    return None


def check_reroute(routed_to: str, status: str, reroute: Reroute) -> FieldError | None:
    """Only the agency holding an open item hands it on."""
    if reroute.from_agency != routed_to:
        return _conflict("from_agency", "WRONG_JURISDICTION")
    if status == "answered":
        return _conflict("tracking_number", "ALREADY_ANSWERED")
    return None
