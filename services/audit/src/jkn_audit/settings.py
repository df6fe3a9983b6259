"""Settings of the audit service: ``AUDIT_HTTP_PORT`` (8005), ``AUDIT_DATABASE_URL`` and the
bus variables (``jkn_bus.BusSettings``)."""

from __future__ import annotations

import os
from typing import Any

from jkn_bus import BusSettings

__all__ = ["SERVICE", "bus_settings"]

SERVICE = "audit"


def bus_settings(**overrides: Any) -> BusSettings:
    """The bus settings of this service (its consumer group and schema are ``audit``)."""
    values: dict[str, Any] = {
        "service": SERVICE,
        "http_port": int(os.environ.get("AUDIT_HTTP_PORT", "8005")),
    }
    return BusSettings(**(values | overrides))
