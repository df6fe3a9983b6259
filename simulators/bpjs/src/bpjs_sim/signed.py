"""The BPJS side of the bridging scheme: header checks and the response envelope."""

from __future__ import annotations

import json
from typing import Annotated, Any

from bpjs_bridging import SignatureCheck, check_signature, encrypt_response
from fastapi import Depends, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from bpjs_sim.context import SimContext, get_context

__all__ = ["Preempted", "SignedRequest", "business_failure", "signed_request", "success"]


class Preempted(Exception):
    """Stops a request with a ready response (403, an injected fault)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _forbidden(reason: str) -> Preempted:
    # BPJS answers bad credentials with a bare 403 and no metaData envelope.
    return Preempted(PlainTextResponse(f"Forbidden: {reason}", status_code=403))


async def signed_request(
    request: Request, context: Annotated[SimContext, Depends(get_context)]
) -> str:
    """Verify the BPJS headers after injected faults; return the request's X-timestamp."""
    fault = await context.faults.before_request()
    if fault is not None:
        raise Preempted(fault)
    settings = context.settings
    cons_id = request.headers.get("X-cons-id", "")
    ts = request.headers.get("X-timestamp", "")
    received = request.headers.get("X-signature", "")
    if cons_id != settings.cons_id or request.headers.get("user_key") != settings.user_key:
        raise _forbidden("unknown consumer or user_key")
    result = check_signature(
        cons_id, settings.secret, ts, received, max_drift_s=settings.max_drift_s
    )
    if result is not SignatureCheck.VALID:
        raise _forbidden(result.value)
    return ts


SignedRequest = Annotated[str, Depends(signed_request)]


def business_failure(message: str, code: str = "201") -> JSONResponse:
    """The envelope of a refusal: HTTP 200, ``metaData.code`` 201, ``response`` null."""
    return JSONResponse({"metaData": {"code": code, "message": message}, "response": None})


def success(payload: Any, ts: str, context: SimContext) -> Response:
    """The envelope of a success, ``response`` encrypted with the request's timestamp."""
    settings, faults = context.settings, context.faults.current
    key_ts = str(int(ts) + 1) if faults.undecryptable else ts
    encrypted = encrypt_response(payload, settings.cons_id, settings.secret, key_ts)
    body = json.dumps({"metaData": {"code": "200", "message": "OK"}, "response": encrypted})
    if faults.truncated_body:
        body = body[: len(body) // 2]
    return Response(body, media_type="application/json")
