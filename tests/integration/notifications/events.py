"""Events about synthetic residents, as the other agencies publish them."""

from __future__ import annotations

import uuid
from datetime import date

from jkn_contracts import ParticipantActivated, ParticipantRegistered, Resident, participant_id_for
from jkn_contracts.events import ActivatedPayload
from support.sealed import sealed_event

KEY = "dev-only-pseudonym-key"


def resident(n: int, *, phone: str | None = "+6281200000001", email: str | None = None) -> Resident:
    return Resident(
        nik=f"1571014101{70 + n % 10}{n % 9000 + 1:04d}",
        kk="1571010101200001", name=f"Siti Warga {n}", sex="P", birth_date=date(1970, 1, 1),
        kelurahan="1571011001", address="Jl. Uji", phone=phone, email=email,
    )  # fmt: skip


def registered(n: int, **contact: str | None) -> ParticipantRegistered:
    who = resident(n, **contact)  # type: ignore[arg-type]
    return sealed_event(
        ParticipantRegistered,
        participant_id=participant_id_for(who.nik + str(n), KEY), correlation_id=uuid.uuid4(),
        personal=who.model_dump(),
        payload={"proposal_id": uuid.uuid4(), "source": "dtks", "proposed_by": "petugas"},
    )  # fmt: skip


def activated(of: ParticipantRegistered, no_kartu: str = "0002345678901") -> ParticipantActivated:
    return ParticipantActivated(
        participant_id=of.participant_id, correlation_id=of.correlation_id,
        causation_id=of.event_id,
        payload=ActivatedPayload(
            proposal_id=of.payload.proposal_id, no_kartu=no_kartu, kd_provider="0157R002",
            nm_provider="Puskesmas Putri Ayu", effective_date=date(2026, 2, 1),
        ),
    )  # fmt: skip


def record(event: ParticipantRegistered | ParticipantActivated) -> tuple[bytes, bytes]:
    return event.participant_id.encode(), event.model_dump_json().encode()
