"""Unsigned admin endpoints under ``/_sim`` for development and tests only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from bpjs_sim.context import SimContext, get_context
from bpjs_sim.faults import Faults
from bpjs_sim.seeding import SeedPeserta, seed
from bpjs_sim.views import peserta_json

__all__ = ["router"]

router = APIRouter()
Context = Annotated[SimContext, Depends(get_context)]


class StatusChange(BaseModel):
    """A BPJS-side change to one card: death, a lapse, a move to another segment."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status_peserta: str = Field(alias="statusPeserta", pattern=r"^\d{1,3}$")
    jenis_peserta: str | None = Field(default=None, alias="jenisPeserta", pattern=r"^\d{1,3}$")
    tgl_tat: date | None = Field(default=None, alias="tglTAT")


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@router.post("/seed")
def seed_peserta(records: list[SeedPeserta], context: Context) -> dict[str, list[str]]:
    """Insert or replace peserta; returns their card numbers in order."""
    return {"noKartu": seed(context.store, records)}


@router.delete("/peserta", status_code=204)
def clear_peserta(context: Context) -> None:
    """Forget every peserta."""
    context.store.clear()


@router.post("/peserta/{no_kartu}/status")
def change_status(no_kartu: str, change: StatusChange, context: Context) -> dict[str, Any]:
    """Change a card's status (and optionally segment, end date) as BPJS would."""
    with context.store.writing() as writes:
        card = writes.by_card(no_kartu)
        if card is None:
            raise HTTPException(404, "no such card")
        updated = card.with_(
            status=change.status_peserta,
            jenis=change.jenis_peserta or card.jenis,
            tgl_tat=change.tgl_tat.isoformat() if change.tgl_tat else card.tgl_tat,
        )
        writes.upsert(updated)
    return peserta_json(updated, date.today())


class Calls(BaseModel):
    """How often the BPJS routes were called since the simulator started."""

    total: int
    by_route: dict[str, int]


@router.get("/calls")
def calls(context: Context) -> Calls:
    """Calls to the BPJS routes by method and route template (never a path: paths carry
    NIKs and card numbers), so a benchmark can count BPJS calls per resident."""
    return Calls(total=sum(context.calls.values()), by_route=dict(context.calls))


class InFlight(BaseModel):
    """BPJS calls being answered now, the most at once since start (or the last reset),
    and the seconds spent answering calls in all (``bpjs_sim.context.Concurrency``)."""

    in_flight: int
    in_flight_peak: int
    busy_seconds: float


@router.get("/in-flight")
def in_flight(context: Context) -> InFlight:
    """How many BPJS calls are open at once: a bench checks the gateway's bound with it."""
    now = context.concurrency
    return InFlight(in_flight=now.in_flight, in_flight_peak=now.peak, busy_seconds=now.busy_seconds)


@router.delete("/in-flight", status_code=204)
def reset_in_flight_peak(context: Context) -> None:
    """Start the peak again from the calls open now (between two runs)."""
    context.concurrency.reset_peak()


@router.get("/effects")
def effects(context: Context) -> dict[str, Any]:
    """What the registration port did, counted where it lands (``bpjs_sim.effects``).

    ``{"tambah_applied", "tambah_repeated", "kurang_applied", "kurang_repeated",
    "ubah_applied", "ubah_repeated", "refused", "cards_issued", "per_card": {noKartu:
    {the same counts}}}``: *applied* changed the register, *repeated* was answered as a
    success without changing it. Read from the same file as the register, so the counts
    survive a kill of the simulator. Keyed by card number, never by NIK.
    """
    return context.store.effects()


@router.delete("/effects", status_code=204)
def clear_effects(context: Context) -> None:
    """Set the effect counters back to zero (between two runs on one register)."""
    context.store.clear_effects()


@router.get("/faults")
def get_faults(context: Context) -> Faults:
    """The faults in force."""
    return context.faults.current


@router.post("/faults")
def set_faults(faults: Faults, context: Context) -> Faults:
    """Replace the faults in force; fields left out are switched off."""
    context.faults.current = faults
    return faults


@router.delete("/faults")
def clear_faults(context: Context) -> Faults:
    """Switch every fault off."""
    context.faults.current = Faults()
    return context.faults.current
