"""Version 1 of the events that carried personal fields in clear, read on, never written.

Kafka keeps what was published before version 2 (until the topic's retention drops it):
consumers still read those records. ``jkn_contracts.parse_event`` falls back to these
classes for a record of ``schema_version`` 1 of such an event; a handler tells them apart by
``schema_version`` (``jkn_bus.personal_data``'s reader opens either). No service writes
them any more.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any, Literal

from pydantic import Field

from jkn_contracts.envelope import Agency, ResidentEvent
from jkn_contracts.events_fields import Nik, Payload, ProposalSource, Resident

__all__ = [
    "LEGACY_V1",
    "CoverageCheckRequestedV1",
    "LegacyEvent",
    "ParticipantRegisteredV1",
    "ParticipantVerifiedV1",
    "legacy_v1_type",
]


def _version_1() -> Any:
    return Field(1, ge=1, description="Version 1: personal fields in clear.")


class RegisteredPayloadV1(Payload):
    proposal_id: uuid.UUID
    source: ProposalSource
    resident: Resident
    welfare_decile: int | None = Field(None, ge=1, le=10)
    proposed_by: str = Field(min_length=1, max_length=100)
    nik_warnings: list[str] = Field(default_factory=list)


class ParticipantRegisteredV1(ResidentEvent):
    """ParticipantRegistered version 1 (the resident in clear)."""

    event_type: Literal["ParticipantRegistered"] = "ParticipantRegistered"
    schema_version: int = _version_1()
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: RegisteredPayloadV1


class CoverageCheckRequestedPayloadV1(Payload):
    nik: Nik
    check_date: date


class CoverageCheckRequestedV1(ResidentEvent):
    """CoverageCheckRequested version 1 (the NIK in clear)."""

    event_type: Literal["CoverageCheckRequested"] = "CoverageCheckRequested"
    schema_version: int = _version_1()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: CoverageCheckRequestedPayloadV1


class VerifiedPayloadV1(Payload):
    proposal_id: uuid.UUID
    resident: Resident
    budget_year: int
    admitted_from_waitlist: bool = False
    uhc_priority: bool = False


class ParticipantVerifiedV1(ResidentEvent):
    """ParticipantVerified version 1 (the resident in clear)."""

    event_type: Literal["ParticipantVerified"] = "ParticipantVerified"
    schema_version: int = _version_1()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: VerifiedPayloadV1


LegacyEvent = ParticipantRegisteredV1 | CoverageCheckRequestedV1 | ParticipantVerifiedV1

LEGACY_V1: dict[str, type[LegacyEvent]] = {
    cls.__name__.removesuffix("V1"): cls
    for cls in (ParticipantRegisteredV1, CoverageCheckRequestedV1, ParticipantVerifiedV1)
}


def legacy_v1_type(raw: bytes | str) -> type[LegacyEvent] | None:
    """The version-1 class of a record that is one (else None)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("schema_version", 1) != 1:
        return None
    return LEGACY_V1.get(str(data.get("event_type")))
