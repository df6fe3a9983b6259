"""What residents and kelurahan officers are told about each event."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from jkn_contracts import (
    CoverageCheckRequested,
    DeactivationReason,
    DeactivationRequested,
    EventBase,
    ParticipantActivated,
    ParticipantDeactivated,
    ParticipantRegistered,
    ParticipantVerified,
    ParticipantWaitlisted,
    RegistrationRefused,
    RejectionReason,
    Resident,
    VerificationRejected,
)
from notifications.domain import Contact, Message, format_date, render
from support.sealed import sealed_event

PID = "P3f9a0c1d2e4b5a6978877665"
NIK = "1571014501900001"
SITI = Resident(
    nik=NIK,
    kk="1571010101200001",
    name="Siti Aminah",
    sex="P",
    birth_date=date(1990, 1, 5),
    kelurahan="1571011001",
)
PROPOSAL = uuid.uuid4()


def event(cls: type[EventBase], **payload: Any) -> Any:
    if "personal" in payload:  # the resident's fields travel sealed
        return sealed_event(
            cls,
            participant_id=PID,
            correlation_id=uuid.uuid4(),
            personal=payload.pop("personal").model_dump(),
            payload=payload,
        )
    return cls.model_validate(
        {"participant_id": PID, "correlation_id": uuid.uuid4(), "payload": payload}
    )


# what the handler remembered from the event's sealed fields before rendering
SITI_CONTACT = Contact(name=SITI.name, sex=SITI.sex)


def message(ev: EventBase, contact: Contact | None = None) -> Message:
    rendered = render(ev, contact)
    assert rendered is not None
    assert NIK not in rendered.body
    assert "{" not in rendered.body
    return rendered


def activated() -> ParticipantActivated:
    return event(
        ParticipantActivated,
        proposal_id=PROPOSAL,
        no_kartu="0001234567890",
        kd_provider="0114U012",
        nm_provider="Puskesmas Talang Banjar",
        effective_date=date(2026, 12, 1),
    )


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 12, 1), "1 Desember 2026"),
        (date(2026, 1, 31), "31 Januari 2026"),
        (date(2027, 8, 17), "17 Agustus 2027"),
    ],
)
def test_dates_are_written_the_indonesian_way(day: date, text: str) -> None:
    assert format_date(day) == text


def test_registration_message_greets_the_resident_named_in_the_event() -> None:
    ev = event(
        ParticipantRegistered,
        proposal_id=PROPOSAL,
        source="kelurahan",
        personal=SITI,
        proposed_by="petugas-01",
    )
    msg = message(ev, SITI_CONTACT)
    assert msg.template_id == "participant_registered"
    assert msg.body.startswith("Yth. Ibu Siti Aminah,")
    assert "diverifikasi oleh Dinas Kesehatan" in msg.body


def test_verified_message_names_the_budget_year() -> None:
    ev = event(ParticipantVerified, proposal_id=PROPOSAL, personal=SITI, budget_year=2027)
    msg = message(ev, SITI_CONTACT)
    assert msg.template_id == "participant_verified"
    assert "tahun anggaran 2027" in msg.body


def test_the_greeting_is_the_contact_s_never_the_sealed_fields() -> None:
    ev = event(ParticipantVerified, proposal_id=PROPOSAL, personal=SITI, budget_year=2027)
    assert message(ev, Contact(name="Siti A.", sex="P")).body.startswith("Yth. Ibu Siti A.,")


def test_a_resident_admitted_from_the_waiting_list_is_told_so() -> None:
    ev = event(
        ParticipantVerified,
        proposal_id=PROPOSAL,
        personal=SITI,
        budget_year=2027,
        admitted_from_waitlist=True,
    )
    assert "Kuota program kini tersedia untuk Anda." in message(ev, SITI_CONTACT).body


def test_rejection_message_lists_every_reason() -> None:
    reasons = [
        RejectionReason(code="NOT_IN_DTKS", message="Penduduk tidak terdaftar di DTKS."),
        RejectionReason(code="DUPLICATE_ENROLLMENT", message="NIK ini sudah diusulkan."),
    ]
    msg = message(event(VerificationRejected, proposal_id=PROPOSAL, reasons=reasons))
    assert msg.template_id == "verification_rejected"
    assert "- Penduduk tidak terdaftar di DTKS.\n- NIK ini sudah diusulkan." in msg.body
    assert "kanal pengaduan JKN Daerah: balas SMS/WhatsApp ini atau isi formulir web" in msg.body
    assert "nomor pelacakan" in msg.body


def test_waitlist_message_gives_the_position() -> None:
    msg = message(event(ParticipantWaitlisted, proposal_id=PROPOSAL, position=37))
    assert "urutan ke-37 daftar tunggu" in msg.body


def test_activation_message_names_the_card_number_and_clinic() -> None:
    msg = message(activated())
    assert msg.template_id == "participant_activated"
    assert "Nomor kartu BPJS Kesehatan: 0001234567890" in msg.body
    assert "Puskesmas Talang Banjar (0114U012)" in msg.body
    assert "Berlaku mulai: 1 Desember 2026" in msg.body
    assert "kelas rawat III" in msg.body


def test_greeting_uses_the_contact_name_when_the_event_has_none() -> None:
    assert message(activated(), Contact(name="Budi", sex="L")).body.startswith("Yth. Bapak Budi,")
    assert message(activated(), Contact(sex="P")).body.startswith("Yth. Ibu,")
    assert message(activated()).body.startswith("Yth. Bapak/Ibu,")


def test_deactivation_message_names_the_reason_and_the_effective_date() -> None:
    ev = event(
        ParticipantDeactivated,
        no_kartu="0001234567890",
        reason=DeactivationReason.PINDAH,
        effective_date=date(2027, 3, 1),
    )
    msg = message(ev)
    assert "berakhir mulai 1 Maret 2027 karena peserta pindah domisili ke luar kota" in msg.body
    assert "Hari terakhir penjaminan: 28 Februari 2027." in msg.body
    assert "berduka" not in msg.body


def test_a_death_is_announced_with_condolences() -> None:
    ev = event(
        ParticipantDeactivated,
        no_kartu="0001234567890",
        reason=DeactivationReason.MENINGGAL,
        effective_date=date(2027, 3, 1),
    )
    assert "Kami turut berduka cita." in message(ev).body


def test_bpjs_refusal_gives_the_code_but_not_bpjs_s_own_text() -> None:
    ev = event(
        RegistrationRefused,
        proposal_id=PROPOSAL,
        mutation="tambah",
        bpjs_code="201",
        bpjs_message=f"NIK {NIK} sudah terdaftar",
    )
    msg = message(ev)
    assert "Pendaftaran Anda sebagai peserta belum dapat diproses" in msg.body
    assert "(kode 201)" in msg.body
    assert "sudah terdaftar" not in msg.body


def test_the_kelurahan_is_told_of_a_deactivation_request() -> None:
    ev = event(
        DeactivationRequested,
        reason=DeactivationReason.MENINGGAL,
        evidence_ref="AKTA-2026-0012",
        reported_by="Lurah Talang Banjar",
        kelurahan="1571011001",
    )
    msg = message(ev)
    assert msg.template_id == "deactivation_requested_kelurahan"
    assert msg.body.startswith("Yth. Petugas Kelurahan,")
    assert f"Kode peserta: {PID}" in msg.body
    assert "Alasan: peserta tercatat meninggal dunia" in msg.body
    assert "Rujukan bukti: AKTA-2026-0012" in msg.body


def test_events_nobody_is_told_about_render_nothing() -> None:
    ev = event(CoverageCheckRequested, personal=SITI, check_date=date(2026, 5, 1))
    assert render(ev) is None
