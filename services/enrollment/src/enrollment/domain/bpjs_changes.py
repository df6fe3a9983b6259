"""Changes BPJS made on its side that oblige Dinas Sosial to ask for a deactivation.

BPJS's periodic peserta look-up (the gateway's sync) may find that a city-paid
participant died (statusPeserta 2, Meninggal) or is now active in another segment
(jenisPeserta other than 22, PBI APBD: e.g. 13, a wage earner whose employer pays):
the city must stop paying for them. Other changes (premium arrears, suspension) are
BPJS's business and lead to nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass

from jkn_contracts import DeactivationReason, Membership

__all__ = ["BPJS_REPORTER", "BpjsFinding", "finding_of_change"]

BPJS_REPORTER = "bpjs-sync"
_PBI_APBD = "22"
_AKTIF = "0"
_MENINGGAL = "2"


@dataclass(frozen=True, slots=True)
class BpjsFinding:
    reason: DeactivationReason
    evidence_ref: str


def finding_of_change(current: Membership) -> BpjsFinding | None:
    """The deactivation the participant's new state at BPJS calls for, or None.

    Only the new state matters: a request already made for the same evidence is not
    made again (the caller's unique key), so a repeated or missed change is harmless.
    """
    if current.status_kode == _MENINGGAL:
        return BpjsFinding(DeactivationReason.MENINGGAL, f"BPJS:statusPeserta={_MENINGGAL}")
    if current.status_kode == _AKTIF and current.jenis_peserta_kode != _PBI_APBD:
        return BpjsFinding(
            DeactivationReason.PINDAH_SEGMEN, f"BPJS:jenisPeserta={current.jenis_peserta_kode}"
        )
    return None
