"""The English sentence of every Indonesian text of the pages (residents_web.i18n); a unit
test (tests/unit/residents_web) fails when a template or view has a text missing here."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ENGLISH"]

ENGLISH: Mapping[str, str] = {
    # layout and home
    "JKN Daerah Kota Jambi": "JKN Daerah, Jambi City",
    "Langsung ke isi": "Skip to content",
    "Menu utama": "Main menu",
    "Cek status usulan": "Check a proposal's status",
    "Sampaikan": "Ask or complain",
    "Lacak": "Track",
    "Bantuan": "Help",
    "Program jaminan kesehatan bagi warga kurang mampu, iuran dibayar Pemerintah Kota (PBI "
    "APBD). Layanan ini gratis.": "Health insurance for residents on low incomes, premiums "
    "paid by the City Government (PBI APBD). This service is free.",
    "Beranda": "Home",
    "Layanan warga JKN Daerah": "JKN Daerah residents' service",
    "Di sini Anda dapat melihat sampai di mana usulan kepesertaan Anda, menyampaikan "
    "pertanyaan, pengaduan atau masukan, dan mengikuti jawabannya.": "Here you can see where "
    "your enrolment proposal stands, send a question, complaint or suggestion, and follow "
    "the answer.",
    "Dengan kode tanda terima dan tanggal lahir.": "With the receipt code and birth date.",
    "Kami teruskan ke instansi yang berwenang.": "We pass it to the agency in charge.",
    "Lacak pertanyaan atau pengaduan": "Track a question or complaint",
    "Dengan nomor pelacakan dan kode akses.": "With the tracking number and access code.",
    "Siapa memutuskan apa, dokumen yang diperlukan, kapan kartu berlaku.": "Who decides what, "
    "the documents needed, when the card is valid.",
    # agencies, kinds, topics
    "Dinas Sosial": "Social Affairs Office (Dinas Sosial)",
    "Dinas Kesehatan": "Health Office (Dinas Kesehatan)",
    "Meja layanan BPJS Kesehatan Pemerintah Kota": "The City's BPJS Kesehatan desk",
    "BPJS Kesehatan": "BPJS Kesehatan",
    "Pengaduan": "Complaint",
    "Pertanyaan": "Question",
    "Masukan": "Suggestion",
    "Usulan kepesertaan (Dinas Sosial)": "Enrolment proposals (Social Affairs Office)",
    "Verifikasi, penolakan, kuota dan daftar tunggu (Dinas Kesehatan)": "Verification, "
    "rejections, quota and waiting list (Health Office)",
    "Kartu JKN dan faskes (meja layanan BPJS Kesehatan)": "JKN card and clinic (BPJS desk)",
    "Lainnya": "Other",
    "Surel (e-mail)": "E-mail",
    # feedback form and receipt
    "Sampaikan pertanyaan, pengaduan atau masukan": "Send a question, complaint or suggestion",
    "Periksa kembali isian berikut": "Please check these fields",
    "Jenis": "Kind",
    "Topik": "Topic",
    "Pesan": "Message",
    "Kirim jawaban lewat": "Send the answer by",
    "Nomor HP atau alamat surel": "Mobile number or e-mail address",
    "Pesan Anda diteruskan ke instansi yang berwenang sesuai topiknya, dengan tanggal batas "
    "jawaban. Jangan menulis NIK atau data pribadi lain di pesan.": "Your message goes to the "
    "agency in charge of its topic, with a date by which it must answer. Do not write your "
    "NIK or other personal data in the message.",
    "— pilih topik —": "— choose a topic —",
    "Ke mana jawaban dikirim (tidak wajib)": "Where to send the answer (optional)",
    "Kosongkan bila Anda akan melacak sendiri di halaman ini.": "Leave empty if you will "
    "track it yourself on this site.",
    "Kirim": "Send",
    "Tanda terima": "Receipt",
    "Pesan Anda sudah diterima": "Your message has been received",
    "Simpan kedua nomor ini": "Keep both numbers",
    "Nomor pelacakan": "Tracking number",
    "Kode akses": "Access code",
    "Catat atau potret kedua nomor ini sekarang: kode akses hanya ditampilkan sekali dan "
    "tidak dapat ditampilkan lagi.": "Write down or photograph both numbers now: the access "
    "code is shown only once and cannot be shown again.",
    "Ditangani oleh": "Handled by",
    "Dijawab paling lambat": "To be answered by",
    "Lacak pesan Anda": "Track your message",
    # help
    "Siapa memutuskan apa": "Who decides what",
    "Mengusulkan warga, dari data DTKS/DTSEN, usulan kelurahan atau warga yang datang "
    "sendiri, dan memberi tanda terima. Juga mengusulkan penghentian kepesertaan bila warga "
    "meninggal, pindah atau tidak lagi memenuhi syarat.": "Proposes residents, from the "
    "welfare registry DTKS/DTSEN, the kelurahan's proposals or residents who come in "
    "person, and gives a receipt. Also asks to end a membership when a resident dies, moves "
    "away or is no longer eligible.",
    "Memeriksa setiap usulan: NIK, domisili di kota ini, masih hidup, terdaftar di DTKS, "
    "belum dijamin JKN lain, dan kuota anggaran. Bila kuota penuh, usulan masuk daftar "
    "tunggu.": "Checks every proposal: NIK, residence in this city, alive, in DTKS, not "
    "covered by JKN otherwise, and the budget quota. When the quota is full, the proposal "
    "joins the waiting list.",
    "Mendaftarkan peserta, menerbitkan nomor kartu JKN dan menetapkan faskes tingkat "
    "pertama (puskesmas atau klinik).": "Registers the participant, issues the JKN card "
    "number and assigns a primary care clinic (puskesmas or clinic).",
    "Dokumen yang diperlukan": "Documents needed",
    "KTP elektronik dan Kartu Keluarga (KK) dengan alamat di kota ini.": "Electronic ID card "
    "(KTP) and family card (KK) with an address in this city.",
    "Terdaftar di DTKS/DTSEN. Bila belum, daftar melalui kelurahan.": "Registered in "
    "DTKS/DTSEN. If you are not, register through your kelurahan.",
    "Tanda terima usulan (nomor usulan dan kode tanda terima): simpan baik-baik.": "The "
    "proposal's receipt (proposal number and receipt code): keep it safe.",
    "Kapan kartu berlaku dan berakhir": "When the card starts and ends",
    "Peserta baru dijamin sejak hari didaftarkan di BPJS Kesehatan.": "New participants are "
    "covered from the day BPJS Kesehatan registers them.",
    "Peserta baru dijamin mulai tanggal 1 bulan berikutnya setelah didaftarkan di BPJS "
    "Kesehatan.": "New participants are covered from the 1st of the month after BPJS "
    "Kesehatan registers them.",
    "Penghentian yang diajukan sampai tanggal": "An end of membership requested up to day",
    "berlaku mulai tanggal 1 bulan berikutnya; yang diajukan sesudahnya, mulai tanggal 1 "
    "bulan sesudahnya lagi.": "of a month takes effect on the 1st of the next month; one "
    "requested later, on the 1st of the month after that.",
    "Kuota peserta ditetapkan Dinas Kesehatan setiap tahun anggaran.": "The Health Office "
    "sets the quota of participants for each budget year.",
    "Keberatan dan pengaduan": "Objections and complaints",
    "Bila usulan Anda ditolak atau kepesertaan Anda dihentikan dan Anda tidak setuju, "
    "sampaikan pengaduan. Setiap pesan dijawab oleh instansi yang berwenang paling lambat "
    "pada tanggal batas yang tertera di tanda terimanya.": "If your proposal was rejected or "
    "your membership ended and you disagree, send a complaint. The agency in charge answers "
    "every message by the date shown on its receipt.",
    "Buka formulir pengaduan": "Open the complaint form",
    # refusals
    "Tidak dapat diproses": "Could not be processed",
    "Permintaan Anda tidak dapat diproses": "Your request could not be processed",
    "Formulir ini sudah kedaluwarsa atau tidak dikirim dari halaman ini. Buka kembali "
    "formulirnya dan kirim ulang.": "This form has expired or was not sent from this site. "
    "Open the form again and send it again.",
    "Terlalu banyak percobaan yang salah dari perangkat ini. Demi keamanan data warga, coba "
    "lagi dalam 10 menit.": "Too many wrong attempts from this device. To protect residents' "
    "data, try again in 10 minutes.",
    "Layanan instansi sedang tidak dapat dihubungi. Coba lagi beberapa saat lagi.": "The "
    "agency's service cannot be reached right now. Try again in a moment.",
    "Kembali ke beranda": "Back to the home page",
    # status form
    "Usulan tidak ditemukan": "Proposal not found",
    "Kode tanda terima dan tanggal lahir ini tidak cocok dengan usulan mana pun. Periksa "
    "kembali keduanya.": "This receipt code and birth date match no proposal. Check both.",
    "Isian belum lengkap": "Some fields are empty",
    "Isi kode tanda terima dan tanggal lahir.": "Fill in the receipt code and the birth date.",
    "Kode tanda terima tertulis pada tanda terima yang Anda terima dari kelurahan atau Dinas "
    "Sosial saat diusulkan; tanggal lahir seperti pada KTP.": "The receipt code is on the "
    "receipt the kelurahan or the Social Affairs Office gave you when you were proposed; the "
    "birth date as on your KTP.",
    "Kode tanda terima": "Receipt code",
    "8 huruf dan angka, contoh: K7QM2XPA": "8 letters and digits, for example: K7QM2XPA",
    "Cek status": "Check status",
    "Demi keamanan, percobaan yang salah dibatasi. Kode Anda tidak pernah muncul di alamat "
    "halaman.": "For safety, wrong attempts are limited. Your code never appears in the "
    "page's address.",
    # status result
    "Status usulan": "Proposal status",
    "Status usulan Anda": "Your proposal's status",
    "Urutan Anda saat masuk daftar tunggu": "Your place when you joined the waiting list",
    "ke-": "no. ",
    "Mengapa: kuota peserta yang dibiayai anggaran kota tahun ini sudah terpakai semua. "
    "Urutan ditentukan oleh Dinas Kesehatan menurut tingkat kesejahteraan (DTKS) dan tanggal "
    "usulan; urutan dapat berubah bila ada warga yang lebih membutuhkan.": "Why: every place "
    "the city's budget funds this year is taken. The Health Office ranks the waiting list by "
    "welfare level (DTKS) and date of proposal; your place may change when a resident in "
    "greater need joins.",
    "Nomor kartu JKN": "JKN card number",
    "Fasilitas kesehatan tingkat pertama (faskes)": "Primary care clinic (faskes)",
    "Berlaku mulai": "Valid from",
    "Bawa KTP atau kartu JKN (juga kartu digital di aplikasi Mobile JKN) saat berobat ke "
    "faskes Anda.": "Bring your KTP or JKN card (or the digital card in the Mobile JKN app) "
    "when you visit your clinic.",
    "Berakhir mulai": "Ended from",
    "Alasan": "Reason",
    "Yang dapat Anda lakukan": "What you can do",
    "Cara mengajukan keberatan": "How to object",
    "Sampaikan pengaduan di halaman ini: pilih jenis Pengaduan dan topik yang sesuai, lalu "
    "jelaskan mengapa keputusan ini keliru.": "Send a complaint on this site: choose the kind "
    "Complaint and the matching topic, and explain why the decision is wrong.",
    "Atau datang ke kantor kelurahan atau Dinas Sosial dengan tanda terima, KTP dan KK.": "Or "
    "go to the kelurahan office or the Social Affairs Office with your receipt, KTP and KK.",
    "Instansi yang berwenang wajib menjawab sebelum tanggal batas yang tertera pada tanda "
    "terima pengaduan.": "The agency in charge must answer by the date shown on the "
    "complaint's receipt.",
    "Terakhir diperbarui": "Last updated",
    "Cek usulan lain": "Check another proposal",
    # tracking
    "Pesan tidak ditemukan": "Message not found",
    "Nomor pelacakan dan kode akses ini tidak cocok dengan pesan mana pun. Periksa kembali "
    "kedua nomor pada tanda terima Anda.": "This tracking number and access code match no "
    "message. Check both numbers on your receipt.",
    "Isi nomor pelacakan dan kode akses.": "Fill in the tracking number and access code.",
    "contoh: ADU-2026-000042": "for example: ADU-2026-000042",
    "8 huruf dan angka dari tanda terima": "8 letters and digits from the receipt",
    "Sudah dijawab": "Answered",
    "Sedang ditangani": "Being handled",
    "Diterima": "Received",
    "sudah lewat batas": "overdue",
    "Jawaban": "Answer",
    "Dijawab pada": "Answered on",
    "Belum puas dengan jawaban ini? Sampaikan pengaduan baru dan sebutkan nomor pelacakan "
    "ini.": "Not satisfied with this answer? Send a new complaint and quote this tracking number.",
    "Batas waktu jawaban sudah lewat. Anda dapat menyampaikan pengaduan baru dengan menyebut "
    "nomor pelacakan ini, atau datang ke instansi yang menangani.": "The date for an answer "
    "has passed. You may send a new complaint quoting this tracking number, or go to the "
    "agency handling it.",
    "Lacak pesan lain": "Track another message",
    # statuses (views)
    "Diusulkan": "Proposed",
    "Dinas Sosial sudah mengusulkan Anda. Dinas Kesehatan akan memeriksa usulan ini.": "The "
    "Social Affairs Office has proposed you. The Health Office will check the proposal.",
    "Sedang diverifikasi": "Being verified",
    "Dinas Kesehatan sedang memeriksa data Anda: NIK, domisili, DTKS, dan apakah Anda sudah "
    "punya jaminan kesehatan lain.": "The Health Office is checking your data: NIK, "
    "residence, DTKS, and whether you already have other health cover.",
    "Disetujui, sedang didaftarkan ke BPJS Kesehatan": "Approved, being registered with "
    "BPJS Kesehatan",
    "Dinas Kesehatan menyetujui usulan dan kuota tersedia. BPJS Kesehatan sedang menerbitkan "
    "kartu Anda.": "The Health Office approved the proposal and a place is funded. BPJS "
    "Kesehatan is issuing your card.",
    "Dalam daftar tunggu": "On the waiting list",
    "Anda memenuhi syarat, tetapi kuota anggaran kota tahun ini sedang penuh. Anda akan "
    "didaftarkan begitu ada tempat kosong; Anda akan diberi tahu.": "You are eligible, but "
    "the city's budget quota for this year is full. You will be registered as soon as a "
    "place is free; you will be told.",
    "Aktif": "Active",
    "Anda peserta JKN dengan iuran dibayar Pemerintah Kota (PBI APBD).": "You are a JKN "
    "participant; the City Government pays your premium (PBI APBD).",
    "Tidak disetujui": "Not approved",
    "Dinas Kesehatan tidak menyetujui usulan ini karena alasan di bawah.": "The Health Office "
    "did not approve this proposal, for the reasons below.",
    "Belum terdaftar di BPJS Kesehatan": "Not yet registered with BPJS Kesehatan",
    "BPJS Kesehatan belum menerima pendaftaran ini; Dinas Kesehatan akan memeriksa data "
    "Anda.": "BPJS Kesehatan has not accepted this registration yet; the Health Office will "
    "check your data.",
    "Tidak aktif lagi": "No longer active",
    "Kepesertaan Anda dalam program ini sudah berakhir.": "Your membership of this programme "
    "has ended.",
    # next steps (views)
    "Periksa NIK pada KTP/KK, lalu minta kelurahan mengusulkan Anda lagi.": "Check the NIK on "
    "your KTP/KK, then ask the kelurahan to propose you again.",
    "Bawa KTP dan KK ke kelurahan untuk memperbaiki data usulan.": "Take your KTP and KK to "
    "the kelurahan to correct the proposal's data.",
    "Jika Anda tinggal di kota ini, perbarui domisili di Disdukcapil.": "If you live in this "
    "city, update your residence at the civil registry office (Disdukcapil).",
    "Datang ke Disdukcapil untuk memeriksa data kependudukan Anda.": "Go to the civil "
    "registry office (Disdukcapil) to check your records.",
    "Jika data ini keliru, laporkan ke Disdukcapil dan ajukan keberatan.": "If this record is "
    "wrong, report it to the civil registry office (Disdukcapil) and object.",
    "Daftarkan diri ke DTKS/DTSEN melalui kelurahan, lalu minta diusulkan lagi.": "Register "
    "in DTKS/DTSEN through your kelurahan, then ask to be proposed again.",
    "Jika keadaan ekonomi Anda berubah, minta pemutakhiran DTKS di kelurahan.": "If your "
    "economic situation changes, ask the kelurahan to update DTKS.",
    "Anda sudah dijamin; gunakan kartu JKN yang sudah ada.": "You are already covered; use "
    "the JKN card you have.",
    "Cek status usulan Anda yang lain dengan kode tanda terimanya.": "Check your other "
    "proposal with its receipt code.",
    "Tidak perlu mengusulkan lagi: urutan Anda tetap tercatat.": "No need to be proposed "
    "again: your place is kept.",
    "Dinas Kesehatan akan menghubungi Anda; Anda juga dapat bertanya di sini.": "The Health "
    "Office will contact you; you may also ask here.",
    "Jika alasan ini keliru, ajukan keberatan: Anda dapat diusulkan kembali oleh Dinas "
    "Sosial.": "If this reason is wrong, object: the Social Affairs Office can propose you again.",
    # right of access
    "Data saya": "My data",
    "Data apa yang disimpan tentang Anda, oleh siapa, dan setiap keputusan tentang Anda.": "What "
    "is held about you, by whom, and every decision about you.",
    "Data apa yang disimpan tentang saya?": "What is held about me?",
    "Data tidak ditemukan": "No data found",
    "Kode tanda terima, NIK dan tanggal lahir ini tidak cocok dengan penduduk mana pun. "
    "Periksa kembali ketiganya.": "This receipt code, NIK and birth date match no resident. "
    "Check all three.",
    "Isi kode tanda terima, NIK (16 angka) dan tanggal lahir.": "Fill in the receipt code, "
    "the NIK (16 digits) and the birth date.",
    "Anda berhak mengetahui data pribadi apa yang disimpan tentang Anda, oleh siapa, untuk apa "
    "dan berapa lama, serta setiap keputusan tentang Anda (UU 27/2022 tentang Pelindungan Data "
    "Pribadi).": "You have the right to know which personal data are held about you, by whom, "
    "why and for how long, and every decision about you (Law 27/2022 on Personal Data "
    "Protection).",
    "dari tanda terima salah satu usulan Anda": "from the receipt of one of your proposals",
    "NIK": "NIK (national identity number)",
    "16 angka, seperti pada KTP": "16 digits, as on your KTP",
    "Tanggal lahir": "Birth date",
    "Tampilkan data saya": "Show my data",
    "Ada data yang keliru? Sampaikan pengaduan": "Is something wrong? Send a complaint",
}
