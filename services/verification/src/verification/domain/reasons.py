"""Why Dinas Kesehatan (the city Health Office) rejects a proposal.

Each reason has a machine-readable code and a sentence in Bahasa Indonesia written for the
resident. Messages never carry personal data (no NIK, name, address or welfare decile):
they travel in ``VerificationRejected`` events and end up in SMS, logs and dashboards.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from jkn_contracts import DeactivationReason, RejectionReason

__all__ = ["ReasonCode", "deciles_phrase", "indonesian", "reason", "withdrawal"]


class ReasonCode(StrEnum):
    """Rejection reason codes (``^[A-Z_]+$``), one per verification rule that can fail."""

    NIK_INVALID = "NIK_INVALID"
    NIK_DATA_MISMATCH = "NIK_DATA_MISMATCH"
    NOT_CITY_RESIDENT = "NOT_CITY_RESIDENT"
    NOT_IN_CIVIL_REGISTRY = "NOT_IN_CIVIL_REGISTRY"
    DECEASED = "DECEASED"
    NOT_IN_DTKS = "NOT_IN_DTKS"
    DECILE_TOO_HIGH = "DECILE_TOO_HIGH"
    ALREADY_COVERED_PBI_APBN = "ALREADY_COVERED_PBI_APBN"
    ALREADY_COVERED_OTHER_SEGMENT = "ALREADY_COVERED_OTHER_SEGMENT"
    DUPLICATE_ENROLLMENT = "DUPLICATE_ENROLLMENT"


# Placeholders are filled only with non-personal values: a data source, a BPJS segment
# label ("PEGAWAI SWASTA"), the program's target deciles, the part of the NIK at fault.
_MESSAGES: dict[ReasonCode, str] = {
    ReasonCode.NIK_INVALID: "NIK tidak sah. {detail} Periksa kembali NIK pada KTP atau KK.",
    ReasonCode.NIK_DATA_MISMATCH: (
        "{detail} pada formulir tidak sesuai dengan NIK. Periksa kembali data pada KTP."
    ),
    ReasonCode.NOT_CITY_RESIDENT: (
        "Menurut data Dukcapil, domisili penduduk tidak berada di kota ini; program hanya "
        "untuk penduduk kota."
    ),
    ReasonCode.NOT_IN_CIVIL_REGISTRY: "NIK tidak terdaftar di Dukcapil.",
    ReasonCode.DECEASED: "Penduduk tercatat telah meninggal dunia menurut {source}.",
    ReasonCode.NOT_IN_DTKS: (
        "Penduduk tidak terdaftar di DTKS/DTSEN (data kesejahteraan sosial). Ajukan "
        "pendaftaran DTKS melalui kelurahan."
    ),
    ReasonCode.DECILE_TOO_HIGH: (
        "Tingkat kesejahteraan menurut DTKS/DTSEN berada di luar sasaran program ({deciles})."
    ),
    ReasonCode.ALREADY_COVERED_PBI_APBN: (
        "Sudah terdaftar sebagai peserta PBI APBN (iuran dibayar Pemerintah Pusat), sehingga "
        "tidak dapat didaftarkan lagi sebagai PBI APBD."
    ),
    ReasonCode.ALREADY_COVERED_OTHER_SEGMENT: (
        "Sudah terdaftar sebagai peserta JKN aktif di segmen {segment}; iuran tidak dapat "
        "dibayar dua kali."
    ),
    ReasonCode.DUPLICATE_ENROLLMENT: (
        "NIK ini sudah diusulkan atau sudah menjadi peserta aktif program ini; usulan ganda "
        "tidak diproses."
    ),
}

_DEFAULTS: dict[str, str] = {
    "detail": "NIK harus 16 angka dengan kode wilayah dan tanggal lahir yang sah.",
    "source": "data kependudukan",
    "segment": "lain",
    "deciles": "desil 1-4",
}


def deciles_phrase(deciles: Iterable[int]) -> str:
    """Describe target deciles the way a resident reads them: "desil 1-4" or "desil 1, 3"."""
    ordered = sorted(set(deciles))
    if not ordered:
        return "tidak ada desil sasaran"
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 1:
        return f"desil {ordered[0]}-{ordered[-1]}"
    return "desil " + ", ".join(str(d) for d in ordered)


def indonesian(bilingual: str) -> str:
    """The Bahasa Indonesia half of a ``"English. / Indonesia."`` message (jkn_contracts.nik)."""
    return bilingual.rsplit(" / ", 1)[-1].strip()


def reason(code: ReasonCode, **params: str) -> RejectionReason:
    """The rejection reason for ``code``, its message filled with non-personal ``params``.

    Known parameters: ``detail`` (NIK_INVALID, NIK_DATA_MISMATCH), ``source`` (DECEASED),
    ``segment`` (ALREADY_COVERED_OTHER_SEGMENT), ``deciles`` (DECILE_TOO_HIGH).
    """
    text = _MESSAGES[code].format_map({**_DEFAULTS, **params})
    return RejectionReason(code=code.value, message=text[0].upper() + text[1:])


# Why Dinas Sosial withdrew a proposal that held no slot yet (pending or waiting), as the
# end of a sentence; the code is WITHDRAWN_<REASON> (e.g. WITHDRAWN_MENINGGAL).
_WITHDRAWALS: dict[DeactivationReason, str] = {
    DeactivationReason.MENINGGAL: "penduduk dilaporkan telah meninggal dunia",
    DeactivationReason.PINDAH: "penduduk dilaporkan pindah domisili ke luar kota",
    DeactivationReason.GANDA: "data penduduk tercatat ganda",
    DeactivationReason.TIDAK_DITEMUKAN: "penduduk tidak ditemukan oleh petugas atau di DTKS",
    DeactivationReason.MAMPU: "penduduk tidak lagi termasuk sasaran program (mampu)",
    DeactivationReason.PINDAH_SEGMEN: "penduduk sudah dijamin JKN di segmen lain",
}


def withdrawal(cause: DeactivationReason) -> RejectionReason:
    """Why a proposal that never held a slot ends when Dinas Sosial asks it to leave."""
    return RejectionReason(
        code=f"WITHDRAWN_{cause.name}",
        message=f"Usulan dibatalkan oleh Dinas Sosial karena {_WITHDRAWALS[cause]}.",
    )
