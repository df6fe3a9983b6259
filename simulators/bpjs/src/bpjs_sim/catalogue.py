"""BPJS code tables as VClaim shows them, and the Jambi City puskesmas the simulator assigns.

The status table is deliberately open: an unknown code is shown with a generic label
rather than refused, because BPJS adds codes without notice.
"""

from __future__ import annotations

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

ACTIVE = "0"
DECEASED = "2"
INACTIVE_END_OF_MONTH = "15"
PBI_APBD = "22"

JENIS_PESERTA = {
    "11": "PNS PUSAT",
    "13": "PEGAWAI SWASTA",
    "14": "PEKERJA MANDIRI",
    "15": "BUKAN PEKERJA",
    "21": "PBI (APBN)",
    "22": "PBI (APBD)",
}

STATUS_PESERTA = {
    "0": "AKTIF",
    "2": "Meninggal",
    "6": "Tidak Ditanggung",
    "7": "Penangguhan Peserta",
    "9": "NON AKTIF KARNA PREMI",
    "15": "NON AKTIF DIAKHIR BULAN",
}

_HAK_KELAS = {"1": "KELAS I", "2": "KELAS II", "3": "KELAS III"}

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
    return _HAK_KELAS.get(kode, f"KELAS {kode}")


def puskesmas_for_nik(nik: str) -> tuple[str, str]:
    """Pick the puskesmas of the NIK's kecamatan (digits 5-6), as BPJS assigns by address."""
    district = int(nik[4:6]) if nik[4:6].isdigit() else 0
    return PUSKESMAS_JAMBI[district % len(PUSKESMAS_JAMBI)]
