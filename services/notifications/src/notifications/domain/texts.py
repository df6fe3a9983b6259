"""The message texts, in Bahasa Indonesia: template id -> (subject, body).

Bodies are ``str.format`` templates; ``templates.render`` fills them. ``{salam}`` is the
greeting line, ``{bantuan}`` where to turn with questions or objections. A wording
change is a change here only.
"""

from __future__ import annotations

__all__ = ["HELP", "PROGRAM", "TEXTS"]

PROGRAM = "JKN Daerah (PBI APBD: iuran dibayar Pemerintah Kota)"
HELP = (
    "Jika ada pertanyaan atau keberatan, hubungi kantor kelurahan atau Dinas Sosial, "
    "atau sampaikan melalui kanal pengaduan JKN Daerah: balas SMS/WhatsApp ini atau isi "
    "formulir web JKN Daerah. Anda akan menerima nomor pelacakan dan kode akses untuk "
    "melihat tanggapannya."
)

TEXTS: dict[str, tuple[str, str]] = {
    "participant_registered": (
        "Usulan JKN Daerah Anda telah diterima",
        "{salam}\n"
        "Dinas Sosial telah mengusulkan Anda sebagai peserta {program}.\n"
        "Usulan Anda sedang diverifikasi oleh Dinas Kesehatan; hasilnya akan kami kabarkan.",
    ),
    "participant_verified": (
        "Usulan JKN Daerah Anda disetujui",
        "{salam}\n"
        "{pembuka}Dinas Kesehatan telah menyetujui usulan Anda untuk tahun anggaran "
        "{tahun}. Anda sedang didaftarkan ke BPJS Kesehatan.\n"
        "Nomor kartu dan fasilitas kesehatan Anda akan kami kirimkan setelah kepesertaan "
        "aktif.",
    ),
    "verification_rejected": (
        "Usulan JKN Daerah Anda belum dapat disetujui",
        "{salam}\n"
        "Dinas Kesehatan belum dapat menyetujui usulan Anda dengan alasan berikut:\n"
        "{alasan}\n"
        "{bantuan}",
    ),
    "participant_waitlisted": (
        "Usulan JKN Daerah Anda masuk daftar tunggu",
        "{salam}\n"
        "Usulan Anda memenuhi syarat, tetapi kuota anggaran program saat ini sudah penuh.\n"
        "Anda berada di urutan ke-{urutan} daftar tunggu dan akan didaftarkan ke BPJS "
        "Kesehatan begitu kuota tersedia.",
    ),
    "participant_activated": (
        "Kepesertaan JKN Anda sudah aktif",
        "{salam}\n"
        "Anda kini peserta {program}, kelas rawat {kelas}.\n"
        "Nomor kartu BPJS Kesehatan: {no_kartu}\n"
        "Fasilitas kesehatan tingkat pertama (FKTP): {faskes}\n"
        "Berlaku mulai: {mulai}\n"
        "Saat berobat, tunjukkan KTP atau kartu JKN (juga ada di aplikasi Mobile JKN).",
    ),
    "participant_deactivated": (
        "Kepesertaan JKN Daerah Anda berakhir",
        "{salam}\n"
        "{duka}Kepesertaan dengan nomor kartu {no_kartu} dalam program {program} berakhir "
        "mulai {berakhir} karena {alasan}.\n"
        "Hari terakhir penjaminan: {hari_terakhir}.\n"
        "{bantuan}",
    ),
    "registration_refused": (
        "Pemrosesan di BPJS Kesehatan belum berhasil",
        "{salam}\n"
        "{perihal} belum dapat diproses oleh BPJS Kesehatan (kode {kode}).\n"
        "Petugas Dinas Kesehatan akan memeriksa data Anda dan menghubungi Anda bila "
        "diperlukan dokumen tambahan.",
    ),
    # The feedback channel's replies; the sender may be anyone, so no name is used.
    "feedback_received": (
        "{jenis_judul} Anda telah kami terima: {nomor}",
        "Terima kasih. {jenis_judul} Anda telah kami terima dan diteruskan ke {instansi}.\n"
        "Nomor pelacakan: {nomor}\n"
        "Kode akses: {kode}\n"
        "Batas waktu tanggapan: {batas}.\n"
        "Tanggapan akan kami kirimkan melalui kanal ini. Status juga dapat dilihat di "
        "formulir web JKN Daerah dengan nomor pelacakan dan kode akses tersebut; jangan "
        "berikan kode akses kepada orang lain.",
    ),
    "feedback_answered": (
        "Tanggapan atas {jenis} Anda ({nomor})",
        "Tanggapan {instansi} atas {jenis} Anda dengan nomor pelacakan {nomor}:\n"
        "{jawaban}\n"
        "Jika masih ada yang kurang jelas, balas SMS/WhatsApp ini atau isi formulir web "
        "JKN Daerah dengan menyebut nomor pelacakan {nomor}.",
    ),
    "deactivation_requested_kelurahan": (
        "Usulan penonaktifan peserta JKN Daerah",
        "{salam}\n"
        "Dinas Sosial mencatat usulan penonaktifan seorang peserta PBI APBD di wilayah "
        "Anda.\n"
        "Kode peserta: {kode_peserta}\n"
        "Alasan: {alasan}\n"
        "Rujukan bukti: {bukti}\n"
        "Dilaporkan oleh: {pelapor}\n"
        "Mohon simpan dokumen bukti untuk pemeriksaan. Penonaktifan berlaku setelah "
        "dikonfirmasi BPJS Kesehatan.",
    ),
}
