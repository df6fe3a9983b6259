"""The registration port's rules: tambah (add), kurang (remove), ubah (change) PBI APBD.

BPJS publishes no API for this (cities use e-Dabu or an Excel form); the simulator models
it with what BPJS is known to do: one card per person follows them across segments, a
NIK active in another segment cannot be added, and a removal shows as "NON AKTIF
DIAKHIR BULAN" with the coverage end date until it takes effect.

Nothing BPJS publishes promises that a repeated *tambah* or *kurang* is harmless. By
default the simulator answers them idempotently (the same card back); in strict mode
(``BPJS_SIM_STRICT``) it refuses them with code 201, so that a gateway that files twice
is caught (docs/domain.md#strict-mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from bpjs_bridging.codes import KELAS_III
from pydantic import BaseModel, ConfigDict, Field

from bpjs_sim.catalogue import (
    ACTIVE,
    DECEASED,
    INACTIVE_END_OF_MONTH,
    PBI_APBD,
    jenis_label,
    puskesmas_for_nik,
    status_label,
)
from bpjs_sim.store import PesertaRow, SqliteStore, Writes

__all__ = ["OPEN_ENDED_TAT", "BusinessRejection", "MutasiRequest", "apply_mutation"]

OPEN_ENDED_TAT = "2099-12-31"
ALREADY_REGISTERED = "Peserta sudah terdaftar sebagai peserta aktif PBI (APBD)"


class BusinessRejection(Exception):
    """A request BPJS refuses with metaData code 201; the message is shown to operators.

    ``card`` is the card the refusal concerns, if any, for the effect counters.
    """

    def __init__(self, message: str, card: str | None = None) -> None:
        super().__init__(message)
        self.card = card


@dataclass(frozen=True)
class _Outcome:
    row: PesertaRow
    changed: bool
    issued: bool = False


class MutasiRequest(BaseModel):
    """Body of ``POST /pemda-rest/mutasi``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    jenis: Literal["tambah", "kurang", "ubah"]
    nik: str = Field(pattern=r"^\d{16}$")
    nama: str | None = Field(default=None, min_length=1, max_length=100)
    sex: Literal["L", "P"] | None = None
    tgl_lahir: date | None = Field(default=None, alias="tglLahir")
    no_kk: str | None = Field(default=None, alias="noKK", pattern=r"^\d{16}$")
    kd_pemda: str = Field(default="1571", alias="kdPemda", pattern=r"^\d{4}$")
    alasan: str | None = Field(default=None, max_length=200)
    tgl_berlaku: date = Field(alias="tglBerlaku")
    no_kartu: str | None = Field(default=None, alias="noKartu", pattern=r"^\d{13}$")


def _tambah(writes: Writes, req: MutasiRequest, *, strict: bool) -> _Outcome:
    if req.nama is None or req.sex is None or req.tgl_lahir is None or req.no_kk is None:
        raise BusinessRejection("Data tidak lengkap: nama, sex, tglLahir dan noKK wajib diisi")
    cards = writes.by_nik(req.nik)
    deceased = next((c for c in cards if c.status == DECEASED), None)
    if deceased is not None:
        raise BusinessRejection("Peserta tercatat meninggal dunia", deceased.no_kartu)
    for card in cards:
        if card.status == ACTIVE and card.jenis != PBI_APBD:
            raise BusinessRejection(
                f"NIK sudah terdaftar sebagai peserta aktif segmen {jenis_label(card.jenis)}",
                card.no_kartu,
            )
        if card.status == ACTIVE and strict:
            raise BusinessRejection(ALREADY_REGISTERED, card.no_kartu)
        if card.status == ACTIVE:
            return _Outcome(card, changed=False)  # default mode: adding again is idempotent
    kd_provider, nm_provider = puskesmas_for_nik(req.nik)
    card_number = cards[0].no_kartu if cards else writes.next_card_number()
    row = PesertaRow(
        no_kartu=card_number,
        nik=req.nik,
        nama=req.nama.upper(),
        sex=req.sex,
        tgl_lahir=req.tgl_lahir.isoformat(),
        no_kk=req.no_kk,
        jenis=PBI_APBD,
        hak_kelas=KELAS_III,
        status=ACTIVE,
        kd_provider=kd_provider,
        nm_provider=nm_provider,
        tgl_tmt=req.tgl_berlaku.isoformat(),
        tgl_tat=OPEN_ENDED_TAT,
        kd_pemda=req.kd_pemda,
    )
    writes.upsert(row)
    return _Outcome(row, changed=True, issued=not cards)


def _find_card(writes: Writes, req: MutasiRequest) -> PesertaRow:
    if req.no_kartu is not None:
        card = writes.by_card(req.no_kartu)
        if card is None or card.nik != req.nik:
            # counted without the card number: it may be someone else's
            raise BusinessRejection("Nomor kartu tidak ditemukan atau tidak sesuai dengan NIK")
        return card
    cards = writes.by_nik(req.nik)
    if not cards:
        raise BusinessRejection("Peserta tidak ditemukan")
    return cards[0]


def _kurang(writes: Writes, req: MutasiRequest, *, strict: bool) -> _Outcome:
    card = _find_card(writes, req)
    if card.jenis != PBI_APBD:
        raise BusinessRejection(
            f"Peserta bukan segmen PBI (APBD), melainkan {jenis_label(card.jenis)}",
            card.no_kartu,
        )
    if card.status != ACTIVE and strict:
        raise BusinessRejection(
            f"Peserta sudah tidak aktif ({status_label(card.status)})", card.no_kartu
        )
    if card.status != ACTIVE:
        return _Outcome(card, changed=False)  # default mode: removing again changes nothing
    row = card.with_(status=INACTIVE_END_OF_MONTH, tgl_tat=req.tgl_berlaku.isoformat())
    writes.upsert(row)
    return _Outcome(row, changed=True)


def _ubah(writes: Writes, req: MutasiRequest, *, strict: bool) -> _Outcome:
    del strict  # a correction is the same request however often it is filed
    card = _find_card(writes, req)
    if card.jenis != PBI_APBD:
        raise BusinessRejection(
            "Perubahan data hanya untuk peserta segmen PBI (APBD)", card.no_kartu
        )
    changes = {
        "nama": req.nama.upper() if req.nama else None,
        "sex": req.sex,
        "tgl_lahir": req.tgl_lahir.isoformat() if req.tgl_lahir else None,
        "no_kk": req.no_kk,
    }
    row = card.with_(**{k: v for k, v in changes.items() if v is not None})
    if row == card:
        return _Outcome(card, changed=False)
    writes.upsert(row)
    return _Outcome(row, changed=True)


def apply_mutation(store: SqliteStore, req: MutasiRequest, *, strict: bool = False) -> PesertaRow:
    """Apply one mutation and return the card as it now stands.

    Raises :class:`BusinessRejection` for what BPJS would refuse with code 201. The change
    and its effect counts (``bpjs_sim.effects``) are committed before this returns or
    raises, so an answered mutation survives a kill of the simulator.
    """
    handlers = {"tambah": _tambah, "kurang": _kurang, "ubah": _ubah}
    rejection: BusinessRejection | None = None
    with store.writing() as writes:
        try:
            outcome = handlers[req.jenis](writes, req, strict=strict)
        except BusinessRejection as refused:
            writes.count("refused", refused.card)
            rejection = refused
        else:
            suffix = "applied" if outcome.changed else "repeated"
            writes.count(f"{req.jenis}_{suffix}", outcome.row.no_kartu)
            if outcome.issued:
                writes.count("cards_issued", outcome.row.no_kartu)
    if rejection is not None:
        raise rejection
    return outcome.row
