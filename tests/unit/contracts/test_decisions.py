"""What each event states, as the audit trail and the traces report it: codes, never
personal data."""

from __future__ import annotations

import uuid
from datetime import date

from jkn_contracts import (
    DeactivationReason,
    DeactivationRequested,
    EventBase,
    ParticipantActivated,
    RegistrationRefused,
    VerificationRejected,
)
from jkn_contracts.decisions import Decision, decision_of

PID = "P" + "0" * 24


def _envelope() -> dict[str, object]:
    return {"participant_id": PID, "correlation_id": uuid.uuid4()}


def test_a_rejection_states_every_reason_code() -> None:
    rejected = VerificationRejected(
        **_envelope(),
        payload={
            "proposal_id": uuid.uuid4(),
            "reasons": [
                {"code": "DECEASED", "message": "Tercatat meninggal dunia."},
                {"code": "NOT_IN_DTKS", "message": "Tidak terdaftar di DTKS."},
            ],
        },
    )
    assert decision_of(rejected) == Decision("rejected", ("DECEASED", "NOT_IN_DTKS"), None)


def test_a_deactivation_request_cites_its_reason_and_evidence() -> None:
    requested = DeactivationRequested(
        **_envelope(),
        payload={
            "reason": DeactivationReason.MENINGGAL,
            "evidence_ref": "AKTA-KEMATIAN/2026/0007",
            "reported_by": "Lurah Talang Banjar",
        },
    )
    assert decision_of(requested) == Decision(
        "deactivation_requested", ("meninggal",), "AKTA-KEMATIAN/2026/0007"
    )


def test_a_bpjs_refusal_states_its_code_not_bpjs_s_message() -> None:
    refused = RegistrationRefused(
        **_envelope(),
        payload={
            "proposal_id": uuid.uuid4(),
            "mutation": "tambah",
            "bpjs_code": "201",
            "bpjs_message": "NIK 1571014508800003 sudah terdaftar",
        },
    )
    stated = decision_of(refused)
    assert stated == Decision("refused", ("tambah:bpjs_201",), None)
    assert "1571014508800003" not in repr(stated)


def test_an_activation_is_a_decision_without_reasons() -> None:
    activated = ParticipantActivated(
        **_envelope(),
        payload={
            "proposal_id": uuid.uuid4(),
            "no_kartu": "0002345678901",
            "kd_provider": "0157R002",
            "nm_provider": "Puskesmas Putri Ayu",
            "effective_date": date(2026, 4, 1),
        },
    )
    assert decision_of(activated) == Decision("activated", (), None)


def test_an_event_type_not_known_here_states_nothing() -> None:
    class NewerFact(EventBase):
        pass

    newer = NewerFact.model_construct(**_envelope())
    assert decision_of(newer) == Decision(None, (), None)
