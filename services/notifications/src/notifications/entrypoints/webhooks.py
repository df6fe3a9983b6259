"""How the provider webhooks (``POST /feedback/inbound/{sms|whatsapp}``) are authenticated:
by the provider's signature over the raw body, not by a bearer token (their policy in
jkn_contracts.access is ``signature``). :data:`SignedWebhook` is the FastAPI dependency
a webhook route takes; it answers 401 ``{"error": "UNAUTHENTICATED", "reason": ...}``
before anything is read or stored, and counts the refusal in
``jkn_webhook_refused_total{channel,reason}``. The schemes: ``domain.webhook_signatures``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers

from notifications.adapters.metrics import WEBHOOK_REFUSED
from notifications.domain.webhook_signatures import Reason, check_sms, check_whatsapp
from notifications.settings import WebhookSettings

__all__ = ["SignedWebhook", "WebhookRefused", "WebhookVerifier", "install_webhook_verification"]

log = logging.getLogger(__name__)

Channel = Literal["sms", "whatsapp"]


class WebhookRefused(Exception):  # it names the HTTP answer (401)
    """A webhook call that is not the provider's, or not fresh: ``reason`` is a code."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebhookVerifier:
    """The secrets and the window, and the clock the window is read on (tests move it)."""

    settings: WebhookSettings
    clock: Callable[[], datetime]

    def refusal(self, channel: Channel, headers: Headers, body: bytes) -> Reason | None:
        s, now = self.settings, self.clock().timestamp()
        if channel == "whatsapp":
            return check_whatsapp(
                s.whatsapp_app_secret, headers.get("x-hub-signature-256"), body,
                now=now, max_age_s=s.webhook_max_age_s,
            )  # fmt: skip
        return check_sms(
            s.sms_webhook_secret, headers.get("x-signature"), headers.get("x-timestamp"), body,
            now=now, max_age_s=s.webhook_max_age_s,
        )  # fmt: skip


async def _signed_body(request: Request, channel: Channel) -> bytes:
    """The raw body of a genuine, fresh provider call; WebhookRefused otherwise."""
    verifier: WebhookVerifier = request.app.state.webhook_verifier
    body = await request.body()
    reason = verifier.refusal(channel, request.headers, body)
    if reason is not None:
        WEBHOOK_REFUSED.labels(channel, reason).inc()
        log.warning("webhook refused", extra={"channel": channel, "reason": reason})
        raise WebhookRefused(reason)
    return body


SignedWebhook = Annotated[bytes, Depends(_signed_body)]
"""A webhook route's parameter: the raw body, once its signature and timestamp are good."""


def install_webhook_verification(
    app: FastAPI, settings: WebhookSettings, clock: Callable[[], datetime]
) -> None:
    """Give ``app`` the verifier :data:`SignedWebhook` uses and its 401 answer."""
    app.state.webhook_verifier = WebhookVerifier(settings, clock)

    async def refused(_: Request, exc: Exception) -> JSONResponse:
        reason = exc.reason if isinstance(exc, WebhookRefused) else "SIGNATURE_INVALID"
        return JSONResponse(status_code=401, content={"error": "UNAUTHENTICATED", "reason": reason})

    app.add_exception_handler(WebhookRefused, refused)
