"""The words of a resident's access report, in Bahasa Indonesia (``id``) and English (``en``).

Residents read the report themselves, so every code in it (an event type, an agency, a
field, a status) comes with a label in their language. The codes stay beside the labels:
an officer or an auditor answering a written request can look each one up. What is held
and why is not written here: that comes from ``jkn_contracts.personal.NEEDS``.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["AGENCIES", "EVENTS", "FIELDS", "SOURCES", "STATUSES", "TEXT", "Lang", "label"]

Lang = Literal["id", "en"]

# (Bahasa Indonesia, English) for each code
FIELDS: dict[str, tuple[str, str]] = {
    "nik": ("NIK (Nomor Induk Kependudukan)", "NIK (national identity number)"),
    "kk": ("Nomor Kartu Keluarga (KK)", "Family card number (KK)"),
    "name": ("Nama", "Name"),
    "sex": ("Jenis kelamin", "Sex"),
    "birth_date": ("Tanggal lahir", "Date of birth"),
    "kelurahan": ("Kelurahan (kode wilayah)", "Kelurahan (area code)"),
    "address": ("Alamat", "Address"),
    "phone": ("Nomor telepon", "Phone number"),
    "email": ("E-mail", "E-mail"),
}

# the holders: the agency behind each service that receives a resident's data
AGENCIES: dict[str, tuple[str, str]] = {
    "enrollment": ("Dinas Sosial", "Dinas Sosial (Social Service)"),
    "dinsos": ("Dinas Sosial", "Dinas Sosial (Social Service)"),
    "verification": ("Dinas Kesehatan", "Dinas Kesehatan (Health Office)"),
    "dinkes": ("Dinas Kesehatan", "Dinas Kesehatan (Health Office)"),
    "bpjs-gateway": (
        "BPJS Kesehatan (melalui penghubung kota)",
        "BPJS Kesehatan (through the city's gateway)",
    ),
    "notifications": ("Layanan pemberitahuan kota", "The city's notification service"),
    "audit": ("Jejak audit kota", "The city's audit trail"),
    "kelurahan": ("Kelurahan", "Kelurahan office"),
    "inspektorat": ("Inspektorat", "Inspektorat (auditors)"),
}

SOURCES: dict[str, tuple[str, str]] = {
    "dtks": ("Data Terpadu Kesejahteraan Sosial (DTKS/DTSEN)", "Social-welfare registry (DTKS)"),
    "kelurahan": ("Usulan kelurahan", "Proposed by the kelurahan"),
    "walk_in": ("Datang langsung ke kantor Dinas Sosial", "Walked in at the Dinas Sosial office"),
    "registry_refill": (
        "Dipilih dari DTKS/DTSEN untuk mengisi kuota",
        "Chosen from the registry to refill the quota",
    ),
}

STATUSES: dict[str, tuple[str, str]] = {
    "registered": ("Diusulkan", "Proposed"),
    "checking": ("Sedang diperiksa di BPJS", "Being checked at BPJS"),
    "waitlisted": ("Dalam daftar tunggu kuota", "On the quota waiting list"),
    "verified": ("Lolos verifikasi, sedang didaftarkan ke BPJS", "Verified, being registered"),
    "rejected": ("Tidak lolos verifikasi", "Not approved"),
    "activated": ("Aktif sebagai peserta BPJS Kesehatan", "Active BPJS participant"),
    "refused": ("Pendaftaran ditolak BPJS", "Refused by BPJS"),
    "deactivated": ("Kepesertaan dihentikan", "Coverage ended"),
}

# every fact about one resident (jkn_contracts ResidentEvent types), in plain words
EVENTS: dict[str, tuple[str, str]] = {
    "ParticipantRegistered": ("Anda diusulkan oleh Dinas Sosial", "Proposed by Dinas Sosial"),
    "DeactivationRequested": (
        "Dinas Sosial meminta kepesertaan Anda dihentikan",
        "Dinas Sosial asked that your coverage end",
    ),
    "ResidentDataErased": ("Data pribadi Anda dihapus", "Your personal data was erased"),
    "AccessRequestAnswered": (
        "Permintaan akses data Anda dijawab",
        "Your request to access your data was answered",
    ),
    "CoverageCheckRequested": (
        "Dinas Kesehatan meminta pemeriksaan kepesertaan di BPJS",
        "Dinas Kesehatan asked BPJS whether you are covered",
    ),
    "ParticipantVerified": (
        "Lolos verifikasi Dinas Kesehatan: iuran ditanggung kota",
        "Verified by Dinas Kesehatan: the city pays your premium",
    ),
    "VerificationRejected": (
        "Tidak lolos verifikasi Dinas Kesehatan",
        "Not approved by Dinas Kesehatan",
    ),
    "ParticipantWaitlisted": (
        "Masuk daftar tunggu: kuota kota sedang penuh",
        "Put on the waiting list: the city's quota is full",
    ),
    "SlotReleased": ("Kuota Anda dilepaskan", "Your quota slot was released"),
    "CoverageReported": (
        "BPJS melaporkan status kepesertaan Anda",
        "BPJS reported your coverage",
    ),
    "ParticipantActivated": (
        "Terdaftar aktif di BPJS Kesehatan (kartu dan faskes)",
        "Active at BPJS Kesehatan (card and clinic)",
    ),
    "RegistrationRefused": ("Pendaftaran ditolak BPJS", "BPJS refused the registration"),
    "ParticipantDeactivated": (
        "Kepesertaan Anda di BPJS dihentikan",
        "Your coverage at BPJS ended",
    ),
    "PesertaStatusChanged": (
        "Status kepesertaan Anda di BPJS berubah",
        "Your status at BPJS changed",
    ),
    "NotificationSent": ("Pemberitahuan dikirim kepada Anda", "A message was sent to you"),
}

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "Data pribadi Anda dalam program JKN Daerah (PBI APBD)",
        "Your personal data in the JKN Daerah programme (PBI APBD)",
    ),
    "legal_basis": (
        "Hak akses subjek data pribadi menurut UU No. 27 Tahun 2022 tentang Pelindungan "
        "Data Pribadi. Pengendali data: Dinas Sosial.",
        "The data subject's right of access under Law 27/2022 on Personal Data Protection. "
        "Controller: Dinas Sosial.",
    ),
    "held_by_dinsos": (
        "Data yang disimpan Dinas Sosial tentang Anda",
        "What Dinas Sosial holds about you",
    ),
    "holders": (
        "Instansi yang menerima data Anda, untuk apa, dan berapa lama",
        "Which agencies receive your data, why, and for how long",
    ),
    "decisions": ("Semua keputusan tentang Anda", "Every decision about you"),
    "nothing": ("tidak ada data pribadi", "no personal data"),
    "purpose_dinsos": (
        "Mengusulkan Anda sebagai peserta yang iurannya ditanggung kota, mengikuti "
        "verifikasi dan pendaftaran Anda, dan menjawab pertanyaan Anda (pengendali data).",
        "Proposes you for the city-paid programme, follows your verification and "
        "registration, and answers your questions (the controller of your data).",
    ),
    "kept_bpjs": (
        "BPJS Kesehatan sendiri menyimpan data kepesertaan menurut ketentuannya.",
        "BPJS Kesehatan itself keeps membership records under its own rules.",
    ),
    "kept_dinsos": (
        "Sampai dihapus oleh petugas Dinas Sosial: segera setelah usulan selesai bila Anda "
        "tidak pernah menjadi peserta, atau {erasure_days} hari (sekitar {erasure_years} "
        "tahun) setelah usulan terakhir berakhir.",
        "Until a Dinas Sosial officer erases it: as soon as the proposal is over if you were "
        "never a participant, else {erasure_days} days (about {erasure_years} years) after "
        "your last proposal ended.",
    ),
    "kept_copy": (
        "Sampai Dinas Sosial menghapus data Anda (instansi ini menghapus salinannya pada saat "
        "yang sama). Salinan terenkripsi di bus pesan dihapus {outbox_days} hari setelah "
        "dikirim dan tidak dapat dibuka lagi setelah kunci Anda dimusnahkan.",
        "Until Dinas Sosial erases your data (this agency erases its copy at the same time). "
        "Encrypted copies on the message bus are deleted {outbox_days} days after sending "
        "and can no longer be opened once your key is destroyed.",
    ),
    "kept_none": (
        "Hanya nama samaran (kode peserta) dan keputusan, tanpa data pribadi yang terbaca.",
        "Only your pseudonym (participant code) and decisions, no readable personal data.",
    ),
    "by_officer": ("petugas", "an officer"),
    "by_system": ("sistem", "a system"),
    "by_process": ("otomatis", "automatic"),
}


def label(table: dict[str, tuple[str, str]], code: str, lang: Lang) -> str:
    """The label of ``code`` in ``lang``; an unknown code is shown as itself."""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[0] if lang == "id" else pair[1]
