"""Pre-seeding the register for development and tests (``POST /_sim/seed``, ``seed FILE``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bpjs_sim.catalogue import ACTIVE, puskesmas_for_nik
from bpjs_sim.mutations import OPEN_ENDED_TAT
from bpjs_sim.store import PesertaRow, SqliteStore, Writes

__all__ = ["SeedPeserta", "seed"]


_CODED = ("jenisPeserta", "statusPeserta", "hakKelas")


class SeedPeserta(BaseModel):
    """One peserta to pre-seed, codes as in VClaim (jenisPeserta 21, 22, 13, 14, ...).

    Accepts flat codes (``"jenisPeserta": "21"``) or a VClaim record as a look-up returns
    it (``"jenisPeserta": {"kode": "21", ...}``, ``provUmum``), so a dump of real-shaped
    records, such as the synthetic city's ``bpjs_seed.json``, seeds as it is. Fields a
    look-up adds (umur, cob, ...) are dropped from VClaim-shaped records only: a flat
    record with an unknown key is still refused (a typo must not pass silently).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _flatten_vclaim_shape(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        vclaim_shaped = "provUmum" in data or any(isinstance(data.get(k), dict) for k in _CODED)
        if not vclaim_shaped:
            return data
        flat = dict(data)
        for key in _CODED:
            if isinstance(flat.get(key), dict):
                flat[key] = flat[key].get("kode")
        provider = flat.pop("provUmum", None)
        if isinstance(provider, dict):
            flat.setdefault("kdProvider", provider.get("kdProvider"))
            flat.setdefault("nmProvider", provider.get("nmProvider"))
        known = {name for f_name, f in cls.model_fields.items() for name in (f_name, f.alias)}
        return {k: v for k, v in flat.items() if k in known}

    no_kartu: str | None = Field(default=None, alias="noKartu", pattern=r"^\d{13}$")
    nik: str = Field(pattern=r"^\d{16}$")
    nama: str = Field(min_length=1, max_length=100)
    sex: str = Field(pattern=r"^[LP]$")
    tgl_lahir: date = Field(alias="tglLahir")
    no_kk: str = Field(default="", alias="noKK")
    jenis_peserta: str = Field(alias="jenisPeserta", pattern=r"^\d{1,3}$")
    status_peserta: str = Field(default=ACTIVE, alias="statusPeserta", pattern=r"^\d{1,3}$")
    hak_kelas: str = Field(default="3", alias="hakKelas", pattern=r"^[123]$")
    kd_provider: str | None = Field(default=None, alias="kdProvider", min_length=8, max_length=8)
    nm_provider: str | None = Field(default=None, alias="nmProvider")
    tgl_tmt: date = Field(default=date(2020, 1, 1), alias="tglTMT")
    tgl_tat: date = Field(default=date.fromisoformat(OPEN_ENDED_TAT), alias="tglTAT")
    kd_pemda: str = Field(default="", alias="kdPemda")


def seed(store: SqliteStore, records: list[SeedPeserta]) -> list[str]:
    """Insert or replace ``records``; return their card numbers.

    A record without ``noKartu`` keeps the card its NIK already has, so seeding the same
    file twice changes nothing; a new NIK is issued a new card.
    """
    issued: list[str] = []
    with store.writing() as writes:  # one transaction for the whole list
        for rec in records:
            row = _row(rec, writes)
            writes.upsert(row)
            issued.append(row.no_kartu)
    return issued


def _row(rec: SeedPeserta, writes: Writes) -> PesertaRow:
    default_provider = puskesmas_for_nik(rec.nik)
    existing = writes.by_nik(rec.nik)
    return PesertaRow(
        no_kartu=rec.no_kartu or (existing[0].no_kartu if existing else writes.next_card_number()),
        nik=rec.nik,
        nama=rec.nama,
        sex=rec.sex,
        tgl_lahir=rec.tgl_lahir.isoformat(),
        no_kk=rec.no_kk,
        jenis=rec.jenis_peserta,
        hak_kelas=rec.hak_kelas,
        status=rec.status_peserta,
        kd_provider=rec.kd_provider or default_provider[0],
        nm_provider=rec.nm_provider or default_provider[1],
        tgl_tmt=rec.tgl_tmt.isoformat(),
        tgl_tat=rec.tgl_tat.isoformat(),
        kd_pemda=rec.kd_pemda,
    )
