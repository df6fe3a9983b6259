"""BPJS's code tables as VClaim shows them: participant status, segment and ward class.

They are BPJS's, not the city's: the gateway reads them off BPJS's answers, the simulator
answers with them and the synthetic city writes them into its BPJS seed, so all three take
them from here. The tables are open: BPJS adds codes without notice, so a reader shows an
unknown code with a generic label rather than refusing it.
"""

from __future__ import annotations

__all__ = [
    "HAK_KELAS",
    "JENIS_PBI_APBD",
    "JENIS_PBI_APBN",
    "JENIS_PBPU",
    "JENIS_PESERTA",
    "JENIS_PPU",
    "KELAS_III",
    "STATUS_AKTIF",
    "STATUS_MENINGGAL",
    "STATUS_NON_AKTIF_AKHIR_BULAN",
    "STATUS_NON_AKTIF_PREMI",
    "STATUS_PESERTA",
]

# statusPeserta: 0 is the only status that is covered.
STATUS_AKTIF = "0"
STATUS_MENINGGAL = "2"
STATUS_NON_AKTIF_PREMI = "9"
STATUS_NON_AKTIF_AKHIR_BULAN = "15"

STATUS_PESERTA = {
    STATUS_AKTIF: "AKTIF",
    STATUS_MENINGGAL: "Meninggal",
    "6": "Tidak Ditanggung",
    "7": "Penangguhan Peserta",
    STATUS_NON_AKTIF_PREMI: "NON AKTIF KARNA PREMI",
    STATUS_NON_AKTIF_AKHIR_BULAN: "NON AKTIF DIAKHIR BULAN",
}

# jenisPeserta (the segment): who pays the premium. The city pays for PBI APBD.
JENIS_PPU = "13"  # pekerja penerima upah: an employer pays
JENIS_PBPU = "14"  # pekerja bukan penerima upah: the participant pays
JENIS_PBI_APBN = "21"  # the state budget pays
JENIS_PBI_APBD = "22"  # the local government's budget pays

JENIS_PESERTA = {
    "11": "PNS PUSAT",
    JENIS_PPU: "PEGAWAI SWASTA",
    JENIS_PBPU: "PEKERJA MANDIRI",
    "15": "BUKAN PEKERJA",
    JENIS_PBI_APBN: "PBI (APBN)",
    JENIS_PBI_APBD: "PBI (APBD)",
}

# hakKelas: the hospital ward class a participant is entitled to; PBI is class III.
KELAS_III = "3"
HAK_KELAS = {"1": "KELAS I", "2": "KELAS II", KELAS_III: "KELAS III"}
