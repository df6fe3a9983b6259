"""BPJS's record of a participant (*peserta*) and the results of registration mutations.

Field names follow VClaim (``noKartu``, ``jenisPeserta``, ...) on the wire and are
snake_case in Python. NIK and name are excluded from ``repr`` so that a logged or
raised model never shows them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bpjs_bridging.codes import JENIS_PBI_APBD, JENIS_PBI_APBN, STATUS_AKTIF, STATUS_MENINGGAL
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "JENIS_PBI_APBD",
    "JENIS_PBI_APBN",
    "STATUS_AKTIF",
    "STATUS_MENINGGAL",
    "KodeKeterangan",
    "Mutation",
    "MutationKind",
    "MutationResult",
    "Peserta",
    "Provider",
]

_WIRE = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class KodeKeterangan(BaseModel):
    """A BPJS code with its label, e.g. ``{"kode": "22", "keterangan": "PBI (APBD)"}``."""

    model_config = _WIRE

    kode: str
    keterangan: str


class Provider(BaseModel):
    """A primary-care clinic (*faskes tingkat pertama*, usually a puskesmas)."""

    model_config = _WIRE

    kd_provider: str = Field(alias="kdProvider")
    nm_provider: str = Field(alias="nmProvider")


class Peserta(BaseModel):
    """``response.peserta`` of a VClaim participant look-up.

    ``jenis_peserta`` is the segment (21 PBI APBN, 22 PBI APBD, 13 PPU, 14 PBPU, ...);
    ``status_peserta`` 0 is AKTIF, anything else is not covered (2 Meninggal, ...).
    """

    model_config = _WIRE

    no_kartu: str = Field(alias="noKartu", pattern=r"^\d{13}$")
    nik: str = Field(repr=False)
    nama: str = Field(repr=False)
    sex: str
    tgl_lahir: date = Field(alias="tglLahir", repr=False)
    hak_kelas: KodeKeterangan = Field(alias="hakKelas")
    jenis_peserta: KodeKeterangan = Field(alias="jenisPeserta")
    status_peserta: KodeKeterangan = Field(alias="statusPeserta")
    prov_umum: Provider | None = Field(default=None, alias="provUmum")
    tgl_tmt: date | None = Field(default=None, alias="tglTMT")
    tgl_tat: date | None = Field(default=None, alias="tglTAT")

    @property
    def is_active(self) -> bool:
        """True when BPJS covers this card today (status AKTIF)."""
        return self.status_peserta.kode == STATUS_AKTIF


class MutationKind(StrEnum):
    """The three registration mutations a city files for PBI APBD participants."""

    TAMBAH = "tambah"  # add
    KURANG = "kurang"  # remove
    UBAH = "ubah"  # change personal data


class Mutation(BaseModel):
    """One registration mutation, as sent to the BPJS registration port."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    jenis: MutationKind
    nik: str = Field(pattern=r"^\d{16}$", repr=False)
    tgl_berlaku: date = Field(alias="tglBerlaku")
    nama: str | None = Field(default=None, repr=False)
    sex: str | None = Field(default=None, pattern=r"^[LP]$")
    tgl_lahir: date | None = Field(default=None, alias="tglLahir", repr=False)
    no_kk: str | None = Field(default=None, alias="noKK", pattern=r"^\d{16}$", repr=False)
    kd_pemda: str | None = Field(default=None, alias="kdPemda")
    alasan: str | None = None
    no_kartu: str | None = Field(default=None, alias="noKartu", pattern=r"^\d{13}$")


class MutationResult(BaseModel):
    """What BPJS answers to an accepted mutation: the card and its coverage dates."""

    model_config = _WIRE

    no_kartu: str = Field(alias="noKartu", pattern=r"^\d{13}$")
    kd_provider: str | None = Field(default=None, alias="kdProvider")
    nm_provider: str | None = Field(default=None, alias="nmProvider")
    tgl_tmt: date | None = Field(default=None, alias="tglTMT")
    tgl_tat: date | None = Field(default=None, alias="tglTAT")
    jenis_peserta: KodeKeterangan | None = Field(default=None, alias="jenisPeserta")
    status_peserta: KodeKeterangan | None = Field(default=None, alias="statusPeserta")
