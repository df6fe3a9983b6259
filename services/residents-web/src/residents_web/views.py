"""What a resident reads, from what the agencies' APIs answer: plain words per status, the
waiting position, the card and clinic, each reason with what to do next, and how to object.

Pure functions (no I/O): ``_`` is the page's translator (residents_web.i18n), so the same
view is written in Bahasa Indonesia or English. A rejection's sentence is the agency's own,
written for residents in Bahasa Indonesia; an English page says it in English by its code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

__all__ = ["Reason", "StatusView", "TrackView", "status_view", "track_view"]

Translate = Callable[[str], str]

# Status -> (headline, what it means); the steps a proposal takes, in the resident's words.
_STATUS: Mapping[str, tuple[str, str]] = {
    "registered": (
        "Diusulkan",
        "Dinas Sosial sudah mengusulkan Anda. Dinas Kesehatan akan memeriksa usulan ini.",
    ),
    "checking": (
        "Sedang diverifikasi",
        "Dinas Kesehatan sedang memeriksa data Anda: NIK, domisili, DTKS, dan apakah Anda "
        "sudah punya jaminan kesehatan lain.",
    ),
    "verified": (
        "Disetujui, sedang didaftarkan ke BPJS Kesehatan",
        "Dinas Kesehatan menyetujui usulan dan kuota tersedia. BPJS Kesehatan sedang "
        "menerbitkan kartu Anda.",
    ),
    "waitlisted": (
        "Dalam daftar tunggu",
        "Anda memenuhi syarat, tetapi kuota anggaran kota tahun ini sedang penuh. Anda "
        "akan didaftarkan begitu ada tempat kosong; Anda akan diberi tahu.",
    ),
    "activated": (
        "Aktif",
        "Anda peserta JKN dengan iuran dibayar Pemerintah Kota (PBI APBD).",
    ),
    "rejected": (
        "Tidak disetujui",
        "Dinas Kesehatan tidak menyetujui usulan ini karena alasan di bawah.",
    ),
    "refused": (
        "Belum terdaftar di BPJS Kesehatan",
        "BPJS Kesehatan belum menerima pendaftaran ini; Dinas Kesehatan akan memeriksa data Anda.",
    ),
    "deactivated": (
        "Tidak aktif lagi",
        "Kepesertaan Anda dalam program ini sudah berakhir.",
    ),
}

# Reason code -> (English sentence, what the resident can do next, in Bahasa Indonesia).
_NEXT_STEP: Mapping[str, str] = {
    "NIK_INVALID": "Periksa NIK pada KTP/KK, lalu minta kelurahan mengusulkan Anda lagi.",
    "NIK_DATA_MISMATCH": "Bawa KTP dan KK ke kelurahan untuk memperbaiki data usulan.",
    "NOT_CITY_RESIDENT": "Jika Anda tinggal di kota ini, perbarui domisili di Disdukcapil.",
    "NOT_IN_CIVIL_REGISTRY": "Datang ke Disdukcapil untuk memeriksa data kependudukan Anda.",
    "DECEASED": "Jika data ini keliru, laporkan ke Disdukcapil dan ajukan keberatan.",
    "NOT_IN_DTKS": "Daftarkan diri ke DTKS/DTSEN melalui kelurahan, lalu minta diusulkan lagi.",
    "DECILE_TOO_HIGH": "Jika keadaan ekonomi Anda berubah, minta pemutakhiran DTKS di kelurahan.",
    "ALREADY_COVERED_PBI_APBN": "Anda sudah dijamin; gunakan kartu JKN yang sudah ada.",
    "ALREADY_COVERED_OTHER_SEGMENT": "Anda sudah dijamin; gunakan kartu JKN yang sudah ada.",
    "DUPLICATE_ENROLLMENT": "Cek status usulan Anda yang lain dengan kode tanda terimanya.",
    "QUOTA_FULL": "Tidak perlu mengusulkan lagi: urutan Anda tetap tercatat.",
    "BPJS_REFUSED": "Dinas Kesehatan akan menghubungi Anda; Anda juga dapat bertanya di sini.",
}
_DEACTIVATION_NEXT = (
    "Jika alasan ini keliru, ajukan keberatan: Anda dapat diusulkan kembali oleh Dinas Sosial."
)

# Reason code -> the sentence an English page shows (the agencies write in Indonesian).
_ENGLISH: Mapping[str, str] = {
    "NIK_INVALID": "The NIK is not valid.",
    "NIK_DATA_MISMATCH": "The form's data does not match the NIK.",
    "NOT_CITY_RESIDENT": "According to the civil registry you do not live in this city.",
    "NOT_IN_CIVIL_REGISTRY": "The NIK is not in the civil registry.",
    "DECEASED": "The civil registry records this resident as deceased.",
    "NOT_IN_DTKS": "You are not in the social welfare registry (DTKS/DTSEN).",
    "DECILE_TOO_HIGH": "Your welfare level in DTKS/DTSEN is outside the programme's target.",
    "ALREADY_COVERED_PBI_APBN": "You are already covered by the national government (PBI APBN).",
    "ALREADY_COVERED_OTHER_SEGMENT": "You are already covered by JKN in another segment.",
    "DUPLICATE_ENROLLMENT": "This NIK has another open proposal or is already a participant.",
    "QUOTA_FULL": "The city's budget quota is full.",
    "BPJS_REFUSED": "BPJS Kesehatan did not accept the registration yet.",
    "DEACTIVATED_MENINGGAL": "Reported deceased.",
    "DEACTIVATED_PINDAH": "Reported to have moved out of the city.",
    "DEACTIVATED_GANDA": "A duplicate record.",
    "DEACTIVATED_TIDAK_DITEMUKAN": "Not found at the address or in the registry.",
    "DEACTIVATED_MAMPU": "No longer within the programme's target (not poor).",
    "DEACTIVATED_PINDAH_SEGMEN": "Covered by JKN in another segment.",
}
_DEACTIVATION_WORDS: Mapping[str, str] = {
    "DEACTIVATED_MENINGGAL": "Dilaporkan meninggal dunia.",
    "DEACTIVATED_PINDAH": "Dilaporkan pindah ke luar kota.",
    "DEACTIVATED_GANDA": "Data tercatat ganda.",
    "DEACTIVATED_TIDAK_DITEMUKAN": "Tidak ditemukan di alamat atau di DTKS.",
    "DEACTIVATED_MAMPU": "Tidak lagi termasuk sasaran program (mampu).",
    "DEACTIVATED_PINDAH_SEGMEN": "Sudah dijamin JKN di segmen lain.",
}


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    next_step: str | None


@dataclass(frozen=True)
class StatusView:
    """One proposal, as its page shows it."""

    status: str
    headline: str
    meaning: str
    reasons: list[Reason] = field(default_factory=list)
    position: int | None = None
    card_number: str | None = None
    clinic: str | None = None
    active_from: date | None = None
    ended_on: date | None = None
    may_object: bool = False
    updated_at: datetime | None = None


def _reason(raw: Mapping[str, Any], _: Translate, lang: str) -> Reason:
    code = str(raw.get("code", ""))
    if code.startswith("DEACTIVATED_"):
        words = _DEACTIVATION_WORDS.get(code, str(raw.get("message", "")))
        text = _ENGLISH.get(code, words) if lang == "en" else words
        return Reason(code, text, _(_DEACTIVATION_NEXT))
    own = str(raw.get("message", ""))
    text = _ENGLISH.get(code, own) if lang == "en" else own
    step = _NEXT_STEP.get(code)
    return Reason(code, text, _(step) if step else None)


def status_view(body: Mapping[str, Any], _: Translate, lang: str) -> StatusView:
    """The status API's answer (enrollment ``POST /proposals/status``) in plain words."""
    status = str(body["status"])
    headline, meaning = _STATUS.get(status, (status, ""))
    raw_reasons: list[Mapping[str, Any]] = list(body.get("reasons") or [])
    card = body.get("card") or {}
    clinic = card.get("clinic") or {}
    position = next((r["position"] for r in raw_reasons if "position" in r), None)
    ended = next((r["effective_date"] for r in raw_reasons if "effective_date" in r), None)
    return StatusView(
        status=status,
        headline=_(headline),
        meaning=_(meaning) if meaning else "",
        reasons=[_reason(r, _, lang) for r in raw_reasons],
        position=int(position) if position is not None else None,
        card_number=card.get("no_kartu"),
        clinic=f"{clinic['name']} ({clinic['code']})" if clinic.get("name") else None,
        active_from=date.fromisoformat(card["effective_date"]) if card else None,
        ended_on=date.fromisoformat(ended) if ended else None,
        may_object=status in {"rejected", "refused", "deactivated"},
        updated_at=datetime.fromisoformat(body["updated_at"]) if body.get("updated_at") else None,
    )


@dataclass(frozen=True)
class TrackView:
    """One feedback item, as its page shows it."""

    tracking_number: str
    kind: str
    topic: str
    agency: str
    answered: bool
    received_on: date
    due_date: date
    overdue: bool
    answer: str | None
    answered_on: date | None


def track_view(body: Mapping[str, Any]) -> TrackView:
    """Notifications' ``GET /feedback/{tracking}`` answer, for its page."""
    answer = body.get("answer") or {}
    return TrackView(
        tracking_number=str(body["tracking_number"]),
        kind=str(body["kind"]),
        topic=str(body["topic"]),
        agency=str(body["agency"]),
        answered=body["status"] == "answered",
        received_on=datetime.fromisoformat(body["received_at"]).date(),
        due_date=date.fromisoformat(body["due_date"]),
        overdue=bool(body.get("overdue")),
        answer=answer.get("text"),
        answered_on=datetime.fromisoformat(answer["answered_at"]).date() if answer else None,
    )
