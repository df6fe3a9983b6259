"""Settings of the notifications service beside the bus's (``jkn_bus.BusSettings``).

The providers' webhook secrets (``domain.webhook_signatures``):

- ``NOTIFICATIONS_WHATSAPP_APP_SECRET``: the Meta app secret the WhatsApp Cloud API signs
  webhook bodies with (``X-Hub-Signature-256``);
- ``NOTIFICATIONS_SMS_WEBHOOK_SECRET``: the secret shared with the SMS gateway
  (``X-Signature`` over ``X-Timestamp`` and the body);
- ``NOTIFICATIONS_WEBHOOK_MAX_AGE_S`` (300): how old (or how far ahead) a message's
  timestamp may be before the call is refused as a replay.

The defaults are development values, refused outside development (``JKN_ENV``).

The service's own settings (``NotificationsSettings``), read once at start by the bootstrap:
``NOTIFICATIONS_HTTP_PORT`` (8004); ``NOTIFY_CHANNEL`` (``dev_sink``: every message to the
development sink; ``live``: the providers); ``NOTIFY_PHONE_CHANNEL`` (``whatsapp`` or
``sms`` for residents with a phone number); ``NOTIFY_DISPATCHERS`` (2),
``NOTIFY_MAX_ATTEMPTS`` (5) and ``NOTIFICATIONS_DISPATCH_BATCH`` (50 messages at most per
round, one transaction: ``app.dispatcher``) of the dispatcher;
``NOTIFICATIONS_FEEDBACK_FAILURES_PER_10MIN`` (30) wrong tracking-number/contact guesses
before the feedback status route answers 429;
``NOTIFICATIONS_FEEDBACK_DUE_DAYS`` (``pengaduan=5,pertanyaan=3,masukan=14``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "DEV_SMS_WEBHOOK_SECRET",
    "DEV_WHATSAPP_APP_SECRET",
    "NotificationsSettings",
    "WebhookSettings",
]

DEV_WHATSAPP_APP_SECRET = "dev-only-whatsapp-app-secret"  # noqa: S105 - development default
DEV_SMS_WEBHOOK_SECRET = "dev-only-sms-webhook-secret"  # noqa: S105 - development default


class WebhookSettings(BaseSettings):
    """How the inbound SMS and WhatsApp webhooks are authenticated."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    whatsapp_app_secret: str = Field(DEV_WHATSAPP_APP_SECRET, repr=False, min_length=1)
    sms_webhook_secret: str = Field(DEV_SMS_WEBHOOK_SECRET, repr=False, min_length=1)
    webhook_max_age_s: float = Field(300.0, gt=0)


class NotificationsSettings(BaseSettings):
    """The service's own settings (the module's docstring lists them); a value out of range
    stops the service at start, naming the variable."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    http_port: int = Field(8004, ge=1, le=65535, validation_alias="NOTIFICATIONS_HTTP_PORT")
    channel: Literal["dev_sink", "live"] = Field("dev_sink", validation_alias="NOTIFY_CHANNEL")
    phone_channel: Literal["whatsapp", "sms"] = Field(
        "whatsapp", validation_alias="NOTIFY_PHONE_CHANNEL"
    )
    dispatchers: int = Field(2, ge=1, le=64, validation_alias="NOTIFY_DISPATCHERS")
    max_attempts: int = Field(5, ge=1, le=100, validation_alias="NOTIFY_MAX_ATTEMPTS")
    dispatch_batch: int = Field(50, ge=1, le=1000, validation_alias="NOTIFICATIONS_DISPATCH_BATCH")
    feedback_failures_per_10min: int = Field(
        30, ge=1, validation_alias="NOTIFICATIONS_FEEDBACK_FAILURES_PER_10MIN"
    )
    feedback_due_days: str = Field("", validation_alias="NOTIFICATIONS_FEEDBACK_DUE_DAYS")
