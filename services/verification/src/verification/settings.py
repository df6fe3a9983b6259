"""Settings of the verification service, from environment variables.

- ``JKN_CITY_CODE`` (default ``1571``, Jambi City): residents must be domiciled here.
- ``JKN_ELIGIBLE_DECILES`` (default ``1,2,3,4``): DTKS/DTSEN deciles the program funds.
- ``JKN_QUOTA_TOTAL`` (default 1000): the current budget year's slots, used only when that
  year's quota row does not exist yet (afterwards ``PUT /quota`` changes it).
- ``JKN_UHC_PRIORITY`` (default false): a UHC priority city (same-day start at BPJS).
- ``JKN_MAX_QUOTA_CUT_SHARE`` (default 0.10): ``PUT /quota`` lowering a year's total by more
  than this share of it at once is refused (422 ``quota_cut_too_large``).
- ``JKN_REFERENCE_DIR``: if set, load civil_registry.csv and dtks.csv from it at startup
  when the reference tables are empty.
- ``VERIFICATION_HTTP_PORT`` (default 8002), plus the bus settings (``jkn_bus.BusSettings``).
"""

from __future__ import annotations

import os
from pathlib import Path

from jkn_bus import BusSettings
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from verification.domain import Policy

__all__ = ["VerificationSettings", "bus_settings"]


class VerificationSettings(BaseSettings):
    """The Health Office's own settings (``JKN_*`` variables)."""

    model_config = SettingsConfigDict(env_prefix="JKN_", extra="ignore")

    city_code: str = Field("1571", pattern=r"^\d{4}$")
    eligible_deciles: str = "1,2,3,4"
    quota_total: int = Field(1000, ge=0)
    uhc_priority: bool = False
    max_quota_cut_share: float = Field(0.10, gt=0, le=1)
    reference_dir: Path | None = None

    @field_validator("eligible_deciles")
    @classmethod
    def _deciles(cls, value: str) -> str:
        deciles = [d.strip() for d in value.split(",") if d.strip()]
        if not deciles or not all(d.isdigit() and 1 <= int(d) <= 10 for d in deciles):
            raise ValueError("JKN_ELIGIBLE_DECILES: comma-separated deciles between 1 and 10")
        return ",".join(deciles)

    @property
    def deciles(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.eligible_deciles.split(","))

    def policy(self) -> Policy:
        return Policy(city_code=self.city_code, eligible_deciles=self.deciles)


def bus_settings() -> BusSettings:
    """The bus settings of this service (``VERIFICATION_HTTP_PORT``, default 8002)."""
    return BusSettings(
        service="verification", http_port=int(os.environ.get("VERIFICATION_HTTP_PORT", "8002"))
    )
