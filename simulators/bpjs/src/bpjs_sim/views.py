"""The VClaim JSON shape of a stored peserta."""

from __future__ import annotations

from datetime import date
from typing import Any

from bpjs_sim.catalogue import hak_kelas_label, jenis_label, status_label
from bpjs_sim.store import PesertaRow

__all__ = ["mutation_result_json", "peserta_json"]


def _age(born: str, on: date) -> str:
    birth = date.fromisoformat(born)
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return f"{years} tahun"


def peserta_json(row: PesertaRow, tgl_sep: date) -> dict[str, Any]:
    """``response.peserta`` of ``Peserta/nik`` and ``Peserta/nokartu``, as VClaim v2 sends it."""
    return {
        "noKartu": row.no_kartu,
        "nik": row.nik,
        "nama": row.nama,
        "pisa": "1",
        "sex": row.sex,
        "tglLahir": row.tgl_lahir,
        "tglCetakKartu": row.tgl_tmt,
        "hakKelas": {"kode": row.hak_kelas, "keterangan": hak_kelas_label(row.hak_kelas)},
        "jenisPeserta": {"kode": row.jenis, "keterangan": jenis_label(row.jenis)},
        "statusPeserta": {"kode": row.status, "keterangan": status_label(row.status)},
        "provUmum": {"kdProvider": row.kd_provider, "nmProvider": row.nm_provider},
        "tglTMT": row.tgl_tmt,
        "tglTAT": row.tgl_tat,
        "umur": {
            "umurSaatPelayanan": _age(row.tgl_lahir, tgl_sep),
            "umurSekarang": _age(row.tgl_lahir, date.today()),
        },
        "mr": {"noMR": None, "noTelepon": None},
        "informasi": {"dinsos": None, "prolanisPRB": None, "noSKTM": None, "eSEP": None},
        "cob": {"noAsuransi": None, "nmAsuransi": None, "tglTMT": None, "tglTAT": None},
    }


def mutation_result_json(row: PesertaRow) -> dict[str, Any]:
    """``response`` of a successful ``POST /pemda-rest/mutasi``."""
    return {
        "noKartu": row.no_kartu,
        "kdProvider": row.kd_provider,
        "nmProvider": row.nm_provider,
        "tglTMT": row.tgl_tmt,
        "tglTAT": row.tgl_tat,
        "jenisPeserta": {"kode": row.jenis, "keterangan": jenis_label(row.jenis)},
        "statusPeserta": {"kode": row.status, "keterangan": status_label(row.status)},
    }
