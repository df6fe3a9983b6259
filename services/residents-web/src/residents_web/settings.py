"""Settings of the residents' pages beside the bus's (``jkn_bus.BusSettings``: port, identity
provider, write rate limit, ``JKN_ENV``).

- ``RESIDENTS_WEB_ENROLLMENT_URL`` / ``RESIDENTS_WEB_NOTIFICATIONS_URL``: the agencies' APIs
  the pages ask (default: this machine, on ``ENROLLMENT_HTTP_PORT`` / ``NOTIFICATIONS_HTTP_PORT``,
  so a stack started on other ports finds its own services).
- ``RESIDENTS_WEB_CSRF_SECRET``: signs the forms' anti-forgery cookie; its default is a
  placeholder, refused outside development like every dev secret (jkn_bus.dev_secrets).
- ``RESIDENTS_WEB_COOKIE_SECURE`` (false): true behind HTTPS, so the cookie never travels
  in clear.
- ``RESIDENTS_WEB_FAILURES_PER_10MIN`` (30): failed look-ups (status, tracking) per client
  address, counted here too: the page must not widen the APIs' own limit.
- ``RESIDENTS_WEB_API_TIMEOUT_S`` (10): an agency slower than that is "unavailable".
- ``BPJS_DEACTIVATION_CUTOFF_DAY`` (20) and ``JKN_UHC_PRIORITY`` (false): the gateway's own
  settings, read here so that the help page states the rules the city runs.
"""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEV_CSRF_SECRET", "WebSettings"]

DEV_CSRF_SECRET = "change-me-residents-web-csrf-secret"  # noqa: S105 - placeholder, refused


def _local(port_env: str, default: int) -> str:
    return f"http://127.0.0.1:{int(os.environ.get(port_env, str(default)))}"


class WebSettings(BaseSettings):
    """Where the agencies' APIs are and how the pages protect their forms."""

    model_config = SettingsConfigDict(env_prefix="RESIDENTS_WEB_", extra="ignore")

    enrollment_url: str = Field(default_factory=lambda: _local("ENROLLMENT_HTTP_PORT", 8001))
    notifications_url: str = Field(default_factory=lambda: _local("NOTIFICATIONS_HTTP_PORT", 8004))
    csrf_secret: str = Field(DEV_CSRF_SECRET, repr=False, min_length=1)
    cookie_secure: bool = False
    failures_per_10min: int = Field(30, ge=1)
    api_timeout_s: float = Field(10.0, gt=0)
    # The help page states the city's rules with the BPJS gateway's own settings.
    deactivation_cutoff_day: int = Field(
        20, ge=1, le=31, validation_alias=AliasChoices("BPJS_DEACTIVATION_CUTOFF_DAY")
    )
    uhc_priority: bool = Field(False, validation_alias=AliasChoices("JKN_UHC_PRIORITY"))
