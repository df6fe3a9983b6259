"""The registration port of city-paid (PBI APBD) participants: ``POST /mutasi``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from bpjs_sim.context import SimContext, get_context
from bpjs_sim.mutations import BusinessRejection, MutasiRequest, apply_mutation
from bpjs_sim.privacy import log_pseudonym
from bpjs_sim.signed import SignedRequest, business_failure, success
from bpjs_sim.views import mutation_result_json

__all__ = ["router"]

router = APIRouter()
_log = logging.getLogger("bpjs_sim.pemda")


@router.post("/mutasi")
async def mutasi(
    request: Request, ts: SignedRequest, context: Annotated[SimContext, Depends(get_context)]
) -> Response:
    """Apply a tambah/kurang/ubah; refusals and invalid bodies are code 201, as BPJS does."""
    try:
        req = MutasiRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        # Field names only: the values are personal data.
        fields = sorted({str(e["loc"][0]) if e["loc"] else "body" for e in exc.errors()})
        return business_failure(f"Data tidak valid: {', '.join(fields)}")
    who = log_pseudonym(context.settings.secret, req.nik)
    try:
        row = await run_in_threadpool(
            apply_mutation, context.store, req, strict=context.settings.strict
        )
    except BusinessRejection as rejection:
        _log.info("mutasi %s refused for %s: %s", req.jenis, who, rejection)
        return business_failure(str(rejection))
    _log.info("mutasi %s applied for %s", req.jenis, who)
    return success(mutation_result_json(row), ts, context)
