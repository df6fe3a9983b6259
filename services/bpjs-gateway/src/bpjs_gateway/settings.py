"""Settings of the bpjs-gateway service, from environment variables.

- ``BPJS_BASE_URL`` (default ``http://127.0.0.1:8089``, the simulator), ``BPJS_CONS_ID``,
  ``BPJS_SECRET``, ``BPJS_USER_KEY`` (defaults: the simulator's published development
  credentials, never BPJS's real ones), ``BPJS_TIMEOUT_S`` (10): the BPJS consumer.
- ``BPJS_KD_PEMDA`` (default ``1571``, Jambi City): the paying local government.
- ``JKN_UHC_PRIORITY`` (default false): a UHC priority city, new participants are covered
  the same day (else from the 1st of next month). An event's ``uhc_priority`` also counts.
- ``BPJS_DEACTIVATION_CUTOFF_DAY`` (default 20): a removal filed on or before this day of
  the month ends coverage on the 1st of next month, later on the 1st of the month after.
  Both date rules are the city's agreement with BPJS *(unpublished)*: configurable.
- ``JKN_CITY_UTC_OFFSET_HOURS`` (default 7, WIB): the city's calendar for filing dates.
- ``BPJS_SYNC_INTERVAL_S`` (default 3600; 0 disables): the periodic peserta sync, which
  looks up every active card at BPJS; ``BPJS_SYNC_CONCURRENCY`` (4) look-ups at a time.
- The intent worker (README, Intents): ``BPJS_MAX_IN_FLIGHT`` (8) intents carried out at a
  time, ``BPJS_RATE_PER_S`` (20) calls a second to BPJS (one cons-id), retries after
  ``BPJS_RETRY_BASE_S`` (1) doubling up to ``BPJS_RETRY_MAX_S`` (300), full jitter; a
  breaker per operation opens after ``BPJS_BREAKER_THRESHOLD`` (5) failures in a row and
  probes after ``BPJS_BREAKER_COOLDOWN_S`` (10: one probe call, so a short outage costs
  seconds, not half a minute, once BPJS is back); an intent in flight longer than
  ``BPJS_INTENT_LEASE_S`` (30: a crashed worker's; longer than a call to BPJS can take,
  three times ``BPJS_TIMEOUT_S``, so that a request BPJS may still be processing is never
  looked up and filed again) is taken over; ``BPJS_INTENT_POLL_S``
  (1) between claims when nothing wakes the worker.
- ``BPJS_GATEWAY_HTTP_PORT`` (default 8003), plus the bus settings (``jkn_bus.BusSettings``).
"""

from __future__ import annotations

import os
from datetime import tzinfo
from typing import Any

from jkn_bus import BusSettings
from jkn_contracts.city import CITY_UTC_OFFSET_HOURS, city_tz
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bpjs_gateway.domain.effective_dates import EffectiveDateRules

__all__ = ["SERVICE", "GatewaySettings", "bus_settings"]

SERVICE = "bpjs-gateway"

# The simulator's development credentials (simulators/bpjs README), not secrets.
_DEV_CONS_ID = "20001"
_DEV_SECRET = "sim-secret-dev"  # noqa: S105 - a published development default
_DEV_USER_KEY = "sim-user-key-dev"


class GatewaySettings(BaseSettings):
    """How to reach BPJS and which of the city's rules to apply."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    bpjs_base_url: str = "http://127.0.0.1:8089"
    bpjs_cons_id: str = _DEV_CONS_ID
    bpjs_secret: str = Field(_DEV_SECRET, repr=False)
    bpjs_user_key: str = Field(_DEV_USER_KEY, repr=False)
    bpjs_timeout_s: float = Field(10.0, gt=0)
    bpjs_kd_pemda: str = Field("1571", pattern=r"^\d{4}$")
    uhc_priority: bool = Field(
        False, validation_alias=AliasChoices("JKN_UHC_PRIORITY", "uhc_priority")
    )
    deactivation_cutoff_day: int = Field(
        20,
        ge=1,
        le=31,
        validation_alias=AliasChoices("BPJS_DEACTIVATION_CUTOFF_DAY", "deactivation_cutoff_day"),
    )
    city_utc_offset_hours: int = Field(
        CITY_UTC_OFFSET_HOURS,
        ge=-12,
        le=14,
        validation_alias=AliasChoices("JKN_CITY_UTC_OFFSET_HOURS", "city_utc_offset_hours"),
    )

    sync_interval_s: float = Field(
        3600.0, ge=0, validation_alias=AliasChoices("BPJS_SYNC_INTERVAL_S", "sync_interval_s")
    )
    sync_concurrency: int = Field(
        4, ge=1, le=64, validation_alias=AliasChoices("BPJS_SYNC_CONCURRENCY", "sync_concurrency")
    )

    # the intent worker (README, Intents)
    bpjs_max_in_flight: int = Field(8, ge=1, le=256)
    bpjs_rate_per_s: float = Field(20.0, gt=0)
    bpjs_retry_base_s: float = Field(1.0, gt=0)
    bpjs_retry_max_s: float = Field(300.0, gt=0)
    bpjs_breaker_threshold: int = Field(5, ge=1)
    bpjs_breaker_cooldown_s: float = Field(10.0, gt=0)
    bpjs_intent_lease_s: float = Field(30.0, gt=0)
    bpjs_intent_poll_s: float = Field(1.0, gt=0)
    bpjs_backlog_interval_s: float = Field(15.0, gt=0)

    def rules(self) -> EffectiveDateRules:
        return EffectiveDateRules(
            uhc_prioritas=self.uhc_priority, deactivation_cutoff_day=self.deactivation_cutoff_day
        )

    def city_tz(self) -> tzinfo:
        return city_tz(self.city_utc_offset_hours)


def bus_settings(**overrides: Any) -> BusSettings:
    """The bus settings of this service (``BPJS_GATEWAY_HTTP_PORT``, default 8003)."""
    values: dict[str, Any] = {
        "service": SERVICE,
        "http_port": int(os.environ.get("BPJS_GATEWAY_HTTP_PORT", "8003")),
    }
    return BusSettings(**(values | overrides))
