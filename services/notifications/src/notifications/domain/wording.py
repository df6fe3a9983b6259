"""Indonesian wording shared by the templates: dates, greetings, reasons, sign-offs."""

from __future__ import annotations

from datetime import date
from typing import Literal

from jkn_contracts import DeactivationReason

__all__ = ["MONTHS", "class_name", "deactivation_phrase", "format_date", "greeting"]

MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

_DEACTIVATION_PHRASES: dict[DeactivationReason, str] = {
    DeactivationReason.MENINGGAL: "peserta tercatat meninggal dunia",
    DeactivationReason.PINDAH: "peserta pindah domisili ke luar kota",
    DeactivationReason.GANDA: "data kepesertaan tercatat ganda",
    DeactivationReason.TIDAK_DITEMUKAN: "peserta tidak ditemukan di alamat terdaftar",
    DeactivationReason.MAMPU: "peserta dinilai sudah mampu secara ekonomi",
    DeactivationReason.PINDAH_SEGMEN: "peserta sudah terdaftar di segmen kepesertaan JKN lain",
}

_CLASSES = {"1": "I", "2": "II", "3": "III"}


def format_date(day: date) -> str:
    """A date the Indonesian way: ``date(2026, 12, 1)`` -> "1 Desember 2026"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def greeting(name: str | None, sex: Literal["L", "P"] | None) -> str:
    """ "Yth. Ibu Siti Aminah," — or "Yth. Bapak/Ibu," when the name is not known.

    Yth. (Yang terhormat) is the usual respectful salutation; Bapak (Mr) or Ibu (Mrs/Ms)
    follows the sex when it is known.
    """
    title = {"L": "Bapak", "P": "Ibu"}.get(sex or "", "Bapak/Ibu")
    clean = " ".join((name or "").split())
    return f"Yth. {title} {clean}," if clean else f"Yth. {title},"


def deactivation_phrase(reason: DeactivationReason) -> str:
    """Why a participation ends, as a clause: "peserta pindah domisili ke luar kota"."""
    return _DEACTIVATION_PHRASES[reason]


def class_name(kode: str) -> str:
    """BPJS hakKelas kode as it is said: "3" -> "III"."""
    return _CLASSES.get(kode.strip(), kode)
