"""Fault injection, switched at runtime by tests through ``/_sim/faults``."""

from __future__ import annotations

import asyncio
import random

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import HTMLResponse, PlainTextResponse, Response

__all__ = ["ERROR_PAGE", "FaultState", "Faults"]

ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Request Rejected</title></head>"
    "<body>The requested URL was rejected. Please consult with your administrator."
    "</body></html>"
)


class Faults(BaseModel):
    """Which faults the signed endpoints show; all off by default."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: int = Field(default=0, ge=0, le=120_000)
    http_500_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    force_403: bool = False
    html_error: bool = False  # HTTP 200 with an HTML page, as a rejecting proxy sends
    truncated_body: bool = False  # a success envelope cut in half
    undecryptable: bool = False  # a success envelope encrypted with another timestamp


class FaultState:
    """The faults in force, shared by every request of one app."""

    def __init__(self) -> None:
        self.current = Faults()
        # Fault injection, not cryptography: a plain PRNG is what we want.
        self._random = random.Random()  # noqa: S311

    async def before_request(self) -> Response | None:
        """Delay as configured; return the response of a fault that preempts the request."""
        faults = self.current
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.force_403:
            return PlainTextResponse("Forbidden", status_code=403)
        if faults.http_500_rate and self._random.random() < faults.http_500_rate:
            return PlainTextResponse("Internal Server Error", status_code=500)
        if faults.html_error:
            return HTMLResponse(ERROR_PAGE, status_code=200)
        return None
