"""Settings of the notifications service beside the bus's (``jkn_bus.BusSettings``).

The providers' webhook secrets (``domain.webhook_signatures``):

- ``NOTIFICATIONS_WHATSAPP_APP_SECRET``: the Meta app secret the WhatsApp Cloud API signs
  webhook bodies with (``X-Hub-Signature-256``);
- ``NOTIFICATIONS_SMS_WEBHOOK_SECRET``: the secret shared with the SMS gateway
  (``X-Signature`` over ``X-Timestamp`` and the body);
- ``NOTIFICATIONS_WEBHOOK_MAX_AGE_S`` (300): how old (or how far ahead) a message's
  timestamp may be before the call is refused as a replay.

The defaults are development values, refused outside development (``JKN_ENV``).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_SMS_WEBHOOK_SECRET", "DEV_WHATSAPP_APP_SECRET", "WebhookSettings"]

DEV_WHATSAPP_APP_SECRET = "dev-only-whatsapp-app-secret"  # noqa: S105 - development default
DEV_SMS_WEBHOOK_SECRET = "dev-only-sms-webhook-secret"  # noqa: S105 - development default


class WebhookSettings(BaseSettings):
    """How the inbound SMS and WhatsApp webhooks are authenticated."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    whatsapp_app_secret: str = Field(DEV_WHATSAPP_APP_SECRET, repr=False, min_length=1)
    sms_webhook_secret: str = Field(DEV_SMS_WEBHOOK_SECRET, repr=False, min_length=1)
    webhook_max_age_s: float = Field(300.0, gt=0)
