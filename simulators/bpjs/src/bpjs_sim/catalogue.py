"""BPJS's codes (``bpjs_bridging.codes``) under the simulator's names, their labels, and
the Jambi City puskesmas the simulator assigns.

The tables are deliberately open: an unknown code is shown with a generic label rather
than refused, because BPJS adds codes without notice.
"""

from __future__ import annotations

from bpjs_bridging.codes import HAK_KELAS, JENIS_PESERTA, STATUS_PESERTA
from bpjs_bridging.codes import JENIS_PBI_APBD as PBI_APBD
from bpjs_bridging.codes import STATUS_AKTIF as ACTIVE
from bpjs_bridging.codes import STATUS_MENINGGAL as DECEASED
from bpjs_bridging.codes import STATUS_NON_AKTIF_AKHIR_BULAN as INACTIVE_END_OF_MONTH

__all__ = [
    "ACTIVE",
    "DECEASED",
    "INACTIVE_END_OF_MONTH",
    "JENIS_PESERTA",
    "PBI_APBD",
    "PUSKESMAS_JAMBI",
    "STATUS_PESERTA",
    "hak_kelas_label",
    "jenis_label",
    "puskesmas_for_nik",
    "status_label",
]


# (kdProvider, nmProvider) of puskesmas in Kota Jambi (NIK region 1571).
PUSKESMAS_JAMBI = (
    ("10010101", "PUSKESMAS SIMPANG KAWAT"),
    ("10010201", "PUSKESMAS PAKUAN BARU"),
    ("10010301", "PUSKESMAS KEBUN HANDIL"),
    ("10010401", "PUSKESMAS OLAK KEMANG"),
    ("10010501", "PUSKESMAS PUTRI AYU"),
    ("10010601", "PUSKESMAS TANJUNG PINANG"),
    ("10010701", "PUSKESMAS PAAL MERAH I"),
    ("10010801", "PUSKESMAS KENALI BESAR"),
)


def jenis_label(kode: str) -> str:
    """Label of a jenisPeserta code."""
    return JENIS_PESERTA.get(kode, f"JENIS PESERTA {kode}")


def status_label(kode: str) -> str:
    """Label of a statusPeserta code."""
    return STATUS_PESERTA.get(kode, f"STATUS {kode}")


def hak_kelas_label(kode: str) -> str:
    """Label of a hakKelas code."""
    return HAK_KELAS.get(kode, f"KELAS {kode}")


def puskesmas_for_nik(nik: str) -> tuple[str, str]:
    """Pick the puskesmas of the NIK's kecamatan (digits 5-6), as BPJS assigns by address."""
    district = int(nik[4:6]) if nik[4:6].isdigit() else 0
    return PUSKESMAS_JAMBI[district % len(PUSKESMAS_JAMBI)]
