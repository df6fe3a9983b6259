"""Residents of the synthetic city and the contract events the tests send about them."""

from __future__ import annotations

import uuid
from datetime import date

from jkn_city import City, generate_city
from jkn_city import Resident as CityResident
from jkn_contracts import (
    AnyEvent,
    CoverageReported,
    DeactivationReason,
    DeactivationRequested,
    Membership,
    ParticipantActivated,
    ParticipantRegistered,
    ProposalSource,
    Resident,
    participant_id_for,
)
from jkn_contracts.events import (
    ActivatedPayload,
    CoverageReportedPayload,
    DeactivationRequestedPayload,
)
from jkn_contracts.nik import NikError, parse_nik
from support.sealed import sealed_event

PSEUDONYM_KEY = "dev-only-pseudonym-key"
CITY = generate_city(1571, 1500)

PBI_APBN = Membership(
    no_kartu="0001234567890",
    jenis_peserta_kode="21",
    jenis_peserta="PBI (APBN)",
    status_kode="0",
    status="AKTIF",
)


def _strict_nik(r: CityResident) -> bool:
    try:
        parse_nik(r.nik, strict=True)
    except NikError:
        return False
    return True


class People:
    """Hands out residents of a kind, each once, so that tests never share a participant."""

    def __init__(self, city: City) -> None:
        self._used: set[str] = set()
        self._city = city

    def _take(self, ok: object) -> CityResident:
        for r in self._city:
            if r.nik not in self._used and ok(r):  # type: ignore[operator]
                self._used.add(r.nik)
                return r
        raise LookupError("the synthetic city has no more residents of this kind")

    def eligible(self, decile: int | None = None) -> CityResident:
        return self._take(
            lambda r: (
                r.domicile_city == "1571"
                and r.alive
                and _strict_nik(r)
                and r.welfare_decile is not None
                and r.welfare_decile <= 4
                and (decile is None or r.welfare_decile == decile)
            )
        )

    def non_resident(self) -> CityResident:
        return self._take(
            lambda r: (
                r.domicile_city != "1571"
                and r.alive
                and _strict_nik(r)
                and r.welfare_decile is not None
                and r.welfare_decile <= 4
            )
        )


def pid(r: CityResident) -> str:
    return participant_id_for(r.nik, PSEUDONYM_KEY)


def registered(r: CityResident) -> ParticipantRegistered:
    resident = Resident(
        nik=r.nik,
        kk=r.kk,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth_date,
        kelurahan=r.kelurahan,
        address=r.address,
    )
    return sealed_event(
        ParticipantRegistered,
        participant_id=pid(r),
        correlation_id=uuid.uuid4(),
        personal=resident.model_dump(),
        payload={
            "proposal_id": uuid.uuid4(),
            "source": ProposalSource.DTKS,
            "welfare_decile": r.welfare_decile,
            "proposed_by": "test",
        },
    )


def coverage_reported(request: AnyEvent, membership: Membership | None = None) -> CoverageReported:
    return CoverageReported(
        participant_id=request.participant_id,
        correlation_id=request.correlation_id,
        causation_id=request.event_id,
        payload=CoverageReportedPayload(check_date=date.today(), membership=membership),
    )


def deactivation_requested(participant_id: str) -> DeactivationRequested:
    return DeactivationRequested(
        participant_id=participant_id,
        correlation_id=uuid.uuid4(),
        payload=DeactivationRequestedPayload(
            reason=DeactivationReason.MENINGGAL,
            evidence_ref="akta-kematian-test",
            reported_by="test",
        ),
    )


def activated(verified: AnyEvent) -> ParticipantActivated:
    """The gateway's report that BPJS activated a resident Dinkes verified."""
    return ParticipantActivated(
        participant_id=verified.participant_id,
        correlation_id=verified.correlation_id,
        causation_id=verified.event_id,
        payload=ActivatedPayload(
            proposal_id=verified.payload.proposal_id,  # type: ignore[union-attr]
            no_kartu="0009876543210",
            kd_provider="0301U001",
            nm_provider="PUSKESMAS TEST",
            effective_date=date.today(),
        ),
    )
