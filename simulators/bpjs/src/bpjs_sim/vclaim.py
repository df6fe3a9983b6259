"""VClaim v2 participant look-ups: ``/Peserta/nik/...`` and ``/Peserta/nokartu/...``."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from bpjs_sim.catalogue import ACTIVE
from bpjs_sim.context import SimContext, get_context
from bpjs_sim.signed import SignedRequest, business_failure, success
from bpjs_sim.store import PesertaRow
from bpjs_sim.views import peserta_json

__all__ = ["router"]

router = APIRouter()
_log = logging.getLogger("bpjs_sim.vclaim")
Context = Annotated[SimContext, Depends(get_context)]
NOT_FOUND = "Peserta tidak ditemukan"


def _answer(card: PesertaRow | None, tgl_sep: str, ts: str, context: SimContext) -> Response:
    try:
        on = date.fromisoformat(tgl_sep)
    except ValueError:
        return business_failure("Format tglSEP tidak sesuai, gunakan yyyy-MM-dd")
    if card is None:
        return business_failure(NOT_FOUND)
    return success({"peserta": peserta_json(card, on)}, ts, context)


@router.get("/Peserta/nik/{nik}/tglSEP/{tgl_sep}")
async def peserta_by_nik(nik: str, tgl_sep: str, ts: SignedRequest, context: Context) -> Response:
    """Look up by NIK; the active card wins over older ones."""
    if len(nik) != 16 or not nik.isdigit():
        return business_failure("NIK tidak sesuai, harus 16 digit angka")
    cards = context.store.by_nik(nik)
    card = next((c for c in cards if c.status == ACTIVE), cards[0] if cards else None)
    _log.info("peserta by nik found=%s", card is not None)
    return _answer(card, tgl_sep, ts, context)


@router.get("/Peserta/nokartu/{no_kartu}/tglSEP/{tgl_sep}")
async def peserta_by_card(
    no_kartu: str, tgl_sep: str, ts: SignedRequest, context: Context
) -> Response:
    """Look up by the 13-digit card number."""
    if len(no_kartu) != 13 or not no_kartu.isdigit():
        return business_failure("Nomor kartu tidak sesuai, harus 13 digit angka")
    card = context.store.by_card(no_kartu)
    _log.info("peserta by card found=%s", card is not None)
    return _answer(card, tgl_sep, ts, context)
