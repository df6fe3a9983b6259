"""BPJS Kesehatan's answers, stated by the gateway: coverage, activation, refusal,
deactivation and status changes (``jkn_contracts.events``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Agency, AgencyAct, ResidentEvent
from jkn_contracts.events_fields import (
    DeactivationReason,
    NoKartu,
    Payload,
)

__all__ = [
    "ActivatedPayload",
    "CoverageReported",
    "CoverageReportedPayload",
    "DeactivatedPayload",
    "Membership",
    "ParticipantActivated",
    "ParticipantDeactivated",
    "PesertaStatusChanged",
    "PesertaStatusChangedPayload",
    "PesertaSyncRequested",
    "PesertaSyncRequestedPayload",
    "RefusedPayload",
    "RegistrationRefused",
]


# --- BPJS Kesehatan, through the gateway ----------------------------------------------------


class Membership(Payload):
    """One participation found at BPJS (from a VClaim peserta look-up)."""

    no_kartu: NoKartu
    jenis_peserta_kode: str = Field(description="BPJS segment code, e.g. 21 PBI (APBN), 13 PPU.")
    jenis_peserta: str
    status_kode: str = Field(description="BPJS status code, e.g. 0 AKTIF, 2 Meninggal.")
    status: str


class CoverageReportedPayload(Payload):
    check_date: date
    membership: Membership | None = Field(description="null when BPJS knows no such NIK.")


class CoverageReported(ResidentEvent):
    """The answer to a CoverageCheckRequested (causation_id points to the request)."""

    event_type: Literal["CoverageReported"] = "CoverageReported"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: CoverageReportedPayload


class ActivatedPayload(Payload):
    proposal_id: uuid.UUID
    no_kartu: NoKartu
    kd_provider: str = Field(pattern=r"^[0-9A-Z]{8}$", description="Primary clinic (FKTP) code.")
    nm_provider: str
    kelas: str = Field("3", description="hakKelas kode: 3 = KELAS III for PBI.")
    effective_date: date = Field(description="tglTMT: the day coverage starts.")


class ParticipantActivated(ResidentEvent):
    """BPJS registered the resident as PBI APBD: a card number and a primary clinic."""

    event_type: Literal["ParticipantActivated"] = "ParticipantActivated"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: ActivatedPayload


class RefusedPayload(Payload):
    proposal_id: uuid.UUID | None = None
    mutation: Literal["tambah", "kurang", "ubah"]
    bpjs_code: str
    bpjs_message: str


class RegistrationRefused(ResidentEvent):
    """BPJS refused a mutation (metaData.code 201 or a permanent failure)."""

    event_type: Literal["RegistrationRefused"] = "RegistrationRefused"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: RefusedPayload


class DeactivatedPayload(Payload):
    no_kartu: NoKartu
    reason: DeactivationReason
    effective_date: date = Field(description="tglTAT: the last day of coverage is the day before.")


class ParticipantDeactivated(ResidentEvent):
    """BPJS accepted the kurang mutation: coverage ends on effective_date."""

    event_type: Literal["ParticipantDeactivated"] = "ParticipantDeactivated"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: DeactivatedPayload


class PesertaStatusChangedPayload(Payload):
    previous: Membership
    current: Membership


class PesertaStatusChanged(ResidentEvent):
    """The periodic peserta sync found a change made on the BPJS side (death, new segment)."""

    event_type: Literal["PesertaStatusChanged"] = "PesertaStatusChanged"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: PesertaStatusChangedPayload


class PesertaSyncRequestedPayload(Payload):
    run_id: uuid.UUID = Field(
        description="The sync pass asked for: the correlation_id of every change it finds."
    )


class PesertaSyncRequested(AgencyAct):
    """Someone asked for a peserta sync pass by hand (who: ``actor``; when: ``occurred_at``).

    The PesertaStatusChanged facts the pass finds carry the same actor, correlation_id =
    ``run_id`` and causation_id = this event. Passes the gateway runs on its own timer are
    not requested by anyone and state no such fact. Keyed ``sync``."""

    event_type: Literal["PesertaSyncRequested"] = "PesertaSyncRequested"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: PesertaSyncRequestedPayload

    key_description: ClassVar[str] = "sync: every requested pass on one partition, in order."

    def record_key(self) -> str:
        return "sync"
