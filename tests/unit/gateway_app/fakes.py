"""In-memory fakes of the gateway's ports (BPJS, participant table), no I/O."""

from __future__ import annotations

import dataclasses
import uuid
from collections import deque
from datetime import UTC, date, datetime
from typing import Any, Literal

from bpjs_gateway.app.dependencies import Dependencies
from bpjs_gateway.app.ports import BpjsBusinessError, ParticipantRecord
from bpjs_gateway.domain.effective_dates import EffectiveDateRules
from bpjs_gateway.domain.peserta import (
    KodeKeterangan,
    Mutation,
    MutationKind,
    MutationResult,
    Peserta,
    Provider,
)
from jkn_contracts import EventBase
from support.sealed import SEALER
from unit.gateway_app.fake_intents import FakeIntents, FakeUnitOfWork, drain

__all__ = ["FakeBpjs", "FakeIntents", "FakeParticipants", "FakeUnitOfWork", "World", "drain"]

PUSKESMAS = Provider(kdProvider="15710101", nmProvider="PUSKESMAS PUTRI AYU")
JENIS = {"21": "PBI (APBN)", "22": "PBI (APBD)", "13": "PEGAWAI SWASTA", "14": "PEKERJA MANDIRI"}
STATUS = {"0": "AKTIF", "2": "Meninggal", "15": "NON AKTIF DIAKHIR BULAN"}


class FakeParticipants:
    """``ParticipantRepository`` over a dict; locks are no-ops."""

    def __init__(self) -> None:
        self.rows: dict[str, ParticipantRecord] = {}
        self.mutations: list[dict[str, Any]] = []

    async def get_for_update(self, participant_id: str) -> ParticipantRecord | None:
        return self.rows.get(participant_id)

    async def get(self, participant_id: str) -> ParticipantRecord | None:
        return self.rows.get(participant_id)

    async def save(self, record: ParticipantRecord) -> None:
        self.rows[record.participant_id] = record

    async def log_mutation(self, **entry: Any) -> None:
        self.mutations.append(entry)

    async def erase(self, participant_id: str) -> bool:
        row = self.rows.get(participant_id)
        if row is None or (not row.nik and row.bpjs_message is None):
            return False
        self.rows[participant_id] = dataclasses.replace(row, nik="", bpjs_message=None)
        return True


class FakeBpjs:
    """BPJS as the simulator models it: one card per NIK, idempotent tambah and kurang.

    ``fail_next`` holds exceptions raised by the next calls, in order; ``refuse_next``
    makes the next mutation a code-201 refusal with that message.
    """

    def __init__(self) -> None:
        self.cards: dict[str, Peserta] = {}  # by noKartu
        self.calls: list[tuple[str, Any]] = []
        self.fail_next: deque[Exception] = deque()
        self.confirmation_override: Peserta | None = None
        self.confirmation_error: Exception | None = None
        self._serial = 0

    def seed(self, nik: str, jenis: str, status: str = "0") -> Peserta:
        self._serial += 1
        peserta = Peserta(
            noKartu=f"{self._serial:013d}",
            nik=nik,
            nama="SITI AMINAH",
            sex="P",
            tglLahir=date(1980, 5, 17),
            hakKelas=KodeKeterangan(kode="3", keterangan="KELAS III"),
            jenisPeserta=KodeKeterangan(kode=jenis, keterangan=JENIS[jenis]),
            statusPeserta=KodeKeterangan(kode=status, keterangan=STATUS[status]),
            provUmum=PUSKESMAS,
            tglTMT=date(2020, 1, 1),
            tglTAT=date(2099, 12, 31),
        )
        self.cards[peserta.no_kartu] = peserta
        return peserta

    def _raise_if_failing(self) -> None:
        if self.fail_next:
            raise self.fail_next.popleft()

    def by_nik(self, nik: str) -> Peserta | None:
        return next((p for p in self.cards.values() if p.nik == nik), None)

    async def peserta_by_nik(self, nik: str, on: date) -> Peserta | None:
        self.calls.append(("peserta_by_nik", on))
        self._raise_if_failing()
        return self.by_nik(nik)

    async def peserta_by_card(self, no_kartu: str, on: date) -> Peserta | None:
        self.calls.append(("peserta_by_card", (no_kartu, on)))
        if self.confirmation_error is not None:
            raise self.confirmation_error
        if self.confirmation_override is not None:
            return self.confirmation_override
        return self.cards.get(no_kartu)

    async def mutate(self, mutation: Mutation) -> MutationResult:
        self.calls.append(("mutate", mutation))
        self._raise_if_failing()
        existing = self.by_nik(mutation.nik)
        if mutation.jenis is MutationKind.TAMBAH:
            if existing is not None and existing.status_peserta.kode == "0":
                if existing.jenis_peserta.kode != "22":
                    raise BpjsBusinessError(
                        "201",
                        f"NIK {mutation.nik} sudah terdaftar sebagai peserta aktif segmen "
                        f"{existing.jenis_peserta.keterangan}",
                    )
                return self._result(existing)
            card = existing or self.seed(mutation.nik, "22")
            card = card.model_copy(
                update={
                    "jenis_peserta": KodeKeterangan(kode="22", keterangan=JENIS["22"]),
                    "status_peserta": KodeKeterangan(kode="0", keterangan="AKTIF"),
                    "tgl_tmt": mutation.tgl_berlaku,
                    "tgl_tat": date(2099, 12, 31),
                }
            )
            self.cards[card.no_kartu] = card
            return self._result(card)
        if existing is None or existing.no_kartu != mutation.no_kartu:
            raise BpjsBusinessError("201", "Nomor kartu tidak sesuai dengan NIK")
        if existing.jenis_peserta.kode != "22":
            raise BpjsBusinessError("201", "Peserta bukan segmen PBI (APBD)")
        if existing.status_peserta.kode == "0":
            existing = existing.model_copy(
                update={
                    "status_peserta": KodeKeterangan(kode="15", keterangan=STATUS["15"]),
                    "tgl_tat": mutation.tgl_berlaku,
                }
            )
            self.cards[existing.no_kartu] = existing
        return self._result(existing)

    @staticmethod
    def _result(p: Peserta) -> MutationResult:
        return MutationResult(
            noKartu=p.no_kartu,
            kdProvider=p.prov_umum.kd_provider if p.prov_umum else None,
            nmProvider=p.prov_umum.nm_provider if p.prov_umum else None,
            tglTMT=p.tgl_tmt,
            tglTAT=p.tgl_tat,
            jenisPeserta=p.jenis_peserta,
            statusPeserta=p.status_peserta,
        )

    def mutations(self, kind: Literal["tambah", "kurang"]) -> list[Mutation]:
        return [m for op, m in self.calls if op == "mutate" and m.jenis.value == kind]


class World:
    """A fake BPJS, a fake table and the dependencies bound to them at a fixed instant."""

    def __init__(
        self,
        now: datetime = datetime(2025, 3, 10, 3, 0, tzinfo=UTC),
        *,
        rules: EffectiveDateRules | None = None,
    ) -> None:
        self.now = now
        self.bpjs = FakeBpjs()
        self.table = FakeParticipants()
        self.intents = FakeIntents()
        self.rules = rules or EffectiveDateRules()

    @property
    def deps(self) -> Dependencies:
        return Dependencies(
            bpjs=self.bpjs,
            repository=lambda _uow: self.table,
            sealer=SEALER,
            intents=lambda _uow: self.intents,
            rules=self.rules,
            clock=lambda: self.now,
        )

    def uow(self, cause: EventBase) -> FakeUnitOfWork:
        return FakeUnitOfWork(cause)


def new_id() -> uuid.UUID:
    return uuid.uuid4()
