"""What residents and kelurahan officers are told, in Bahasa Indonesia.

``render`` turns one event into one message, or None when the event is nobody's news
(coverage checks, slot bookkeeping, ...). The name in the greeting comes from the
recipient's ``Contact`` (the notifications service's own address book) or, failing that,
from the event's resident when it carries one. Messages never hold a NIK: a card number
and a clinic are what the resident needs to get care.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
    EventBase,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    RegistrationRefused,
    Resident,
    VerificationRejected,
)

from notifications.domain.texts import HELP, PROGRAM, TEXTS
from notifications.domain.wording import class_name, deactivation_phrase, format_date, greeting

__all__ = ["Contact", "Message", "render"]


@dataclass(frozen=True, slots=True)
class Contact:
    """The recipient as the address book knows them. ``sex`` picks Bapak (L) or Ibu (P)."""

    name: str | None = None
    sex: Literal["L", "P"] | None = None


@dataclass(frozen=True, slots=True)
class Message:
    """A message ready to send: ``template_id`` names the template (for NotificationSent)."""

    template_id: str
    subject: str
    body: str


Fields = tuple[str, dict[str, object]]  # template id, values for its placeholders


def _salute(contact: Contact | None, resident: Resident | None = None) -> str:
    if contact is not None and contact.name:
        return greeting(contact.name, contact.sex or (resident.sex if resident else None))
    if resident is not None:
        return greeting(resident.name, resident.sex)
    return greeting(None, contact.sex if contact else None)


def _registered(e: ParticipantRegistered, c: Contact | None) -> Fields:
    return "participant_registered", {"salam": _salute(c)}


def _verified(e: ParticipantVerified, c: Contact | None) -> Fields:
    opening = "Kuota program kini tersedia untuk Anda. " if e.payload.admitted_from_waitlist else ""
    salam = _salute(c)
    return "participant_verified", {
        "salam": salam,
        "pembuka": opening,
        "tahun": e.payload.budget_year,
    }


def _rejected(e: VerificationRejected, c: Contact | None) -> Fields:
    reasons = "\n".join(f"- {r.message}" for r in e.payload.reasons)
    return "verification_rejected", {"salam": _salute(c), "alasan": reasons}


def _waitlisted(e: ParticipantWaitlisted, c: Contact | None) -> Fields:
    return "participant_waitlisted", {"salam": _salute(c), "urutan": e.payload.position}


def _activated(e: ParticipantActivated, c: Contact | None) -> Fields:
    p = e.payload
    return "participant_activated", {
        "salam": _salute(c), "kelas": class_name(p.kelas), "no_kartu": p.no_kartu,
        "faskes": f"{p.nm_provider} ({p.kd_provider})", "mulai": format_date(p.effective_date),
    }  # fmt: skip


def _deactivated(e: ParticipantDeactivated, c: Contact | None) -> Fields:
    p = e.payload
    return "participant_deactivated", {
        "salam": _salute(c), "no_kartu": p.no_kartu, "alasan": deactivation_phrase(p.reason),
        "duka": "Kami turut berduka cita. " if p.reason is DeactivationReason.MENINGGAL else "",
        "berakhir": format_date(p.effective_date),
        # effective_date is tglTAT: coverage ends the day before.
        "hari_terakhir": format_date(p.effective_date - timedelta(days=1)),
    }  # fmt: skip


_MUTATIONS = {
    "tambah": "Pendaftaran Anda sebagai peserta",
    "kurang": "Penonaktifan kepesertaan Anda",
    "ubah": "Perubahan data kepesertaan Anda",
}


def _refused(e: RegistrationRefused, c: Contact | None) -> Fields:
    # BPJS's own message text is not repeated: it may quote personal data.
    perihal = _MUTATIONS[e.payload.mutation]
    return "registration_refused", {
        "salam": _salute(c),
        "perihal": perihal,
        "kode": e.payload.bpjs_code,
    }


def _deactivation_requested(e: DeactivationRequested, c: Contact | None) -> Fields:
    name = " ".join(((c.name if c else None) or "").split())
    return "deactivation_requested_kelurahan", {
        "salam": f"Yth. {name}," if name else "Yth. Petugas Kelurahan,",
        "kode_peserta": e.participant_id, "alasan": deactivation_phrase(e.payload.reason),
        "bukti": e.payload.evidence_ref, "pelapor": e.payload.reported_by,
    }  # fmt: skip


_RENDERERS: dict[type[EventBase], Callable[[Any, Contact | None], Fields]] = {
    ParticipantRegistered: _registered,
    ParticipantVerified: _verified,
    VerificationRejected: _rejected,
    ParticipantWaitlisted: _waitlisted,
    ParticipantActivated: _activated,
    ParticipantDeactivated: _deactivated,
    RegistrationRefused: _refused,
    DeactivationRequested: _deactivation_requested,
}


def render(event: EventBase, contact: Contact | None = None) -> Message | None:
    """The message to send about ``event``, or None when nobody is told about it.

    DeactivationRequested is addressed to the kelurahan officer, every other message to
    the resident. ``contact`` supplies the recipient's name (and Bapak/Ibu) when known.
    """
    renderer = _RENDERERS.get(type(event))
    if renderer is None:
        return None
    template_id, values = renderer(event, contact)
    subject, body = TEXTS[template_id]
    return Message(template_id, subject, body.format(program=PROGRAM, bantuan=HELP, **values))
