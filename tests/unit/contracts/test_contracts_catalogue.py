"""Events, their owners and topics agree; parsing round-trips and never leaks a NIK."""

from __future__ import annotations

import json
import typing
import uuid
from datetime import date
from typing import Any

import pytest
from jkn_contracts import (
    CATALOGUE,
    EVENT_TYPES,
    PARTICIPANT_ID_PATTERN,
    AgencyAct,
    EventBase,
    parse_event,
    participant_id_for,
    topic_for,
)
from jkn_contracts.legacy import LEGACY_V1
from pydantic import ValidationError

NIK = "1571015505900001"
PSEUDONYM_KEY = "test-pseudonym-key"
_RESIDENT = {
    "nik": NIK,
    "kk": "1571010101150003",
    "name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1990-05-15",
    "kelurahan": "1571011001",
    "phone": "081234567890",
}
_MEMBERSHIP = {
    "no_kartu": "0001234567890",
    "jenis_peserta_kode": "13",
    "jenis_peserta": "PEGAWAI SWASTA",
    "status_kode": "0",
    "status": "AKTIF",
}
_PROPOSAL = str(uuid.UUID(int=7))
# a sealed blob's shape (its content is jkn_bus.personal_data's business)
_PERSONAL = {
    "alg": "A256GCM",
    "kid": participant_id_for(NIK, PSEUDONYM_KEY) + ".v1",
    "nonce": "AAAAAAAAAAAAAAAA",
    "ciphertext": "c2VhbGVkLWJ5LWEtdGVzdA",
}
# version 1 of the events that now seal personal fields: still read from the topics
LEGACY_PAYLOADS: dict[str, dict[str, Any]] = {
    "ParticipantRegistered": {
        "proposal_id": _PROPOSAL,
        "source": "dtks",
        "resident": _RESIDENT,
        "welfare_decile": 2,
        "proposed_by": "kelurahan-1571011001",
        "nik_warnings": ["NIK_BIRTH_DATE"],
    },
    "CoverageCheckRequested": {"nik": NIK, "check_date": "2025-07-01"},
    "ParticipantVerified": {"proposal_id": _PROPOSAL, "resident": _RESIDENT, "budget_year": 2025},
}
PAYLOADS: dict[str, dict[str, Any]] = {
    "ParticipantRegistered": {
        "proposal_id": _PROPOSAL,
        "source": "dtks",
        "personal": _PERSONAL,
        "welfare_decile": 2,
        "proposed_by": "kelurahan-1571011001",
        "nik_warnings": ["NIK_BIRTH_DATE"],
    },
    "DeactivationRequested": {
        "reason": "meninggal",
        "evidence_ref": "akta-kematian-12",
        "reported_by": "officer-7",
        "kelurahan": "1571011001",
    },
    "CoverageCheckRequested": {"personal": _PERSONAL, "check_date": "2025-07-01"},
    "ParticipantVerified": {"proposal_id": _PROPOSAL, "personal": _PERSONAL, "budget_year": 2025},
    "VerificationRejected": {
        "proposal_id": _PROPOSAL,
        "reasons": [{"code": "NOT_RESIDENT", "message": "Bukan penduduk Kota Jambi."}],
    },
    "ParticipantWaitlisted": {"proposal_id": _PROPOSAL, "position": 3, "welfare_decile": 1},
    "SlotReleased": {"reason": "pindah", "quota_used": 9, "quota_total": 10},
    "CoverageReported": {"check_date": "2025-07-01", "membership": _MEMBERSHIP},
    "ParticipantActivated": {
        "proposal_id": _PROPOSAL,
        "no_kartu": "0001234567890",
        "kd_provider": "15710101",
        "nm_provider": "PUSKESMAS PUTRI AYU",
        "effective_date": "2025-08-01",
    },
    "RegistrationRefused": {
        "mutation": "tambah",
        "bpjs_code": "201",
        "bpjs_message": "Peserta sudah terdaftar",
    },
    "ParticipantDeactivated": {
        "no_kartu": "0001234567890",
        "reason": "meninggal",
        "effective_date": "2025-08-01",
    },
    "PesertaStatusChanged": {
        "previous": _MEMBERSHIP,
        "current": {**_MEMBERSHIP, "status_kode": "2", "status": "Meninggal"},
    },
    "NotificationSent": {
        "message_id": _PROPOSAL,
        "channel": "sms",
        "template": "verified",
        "about_event_type": "ParticipantVerified",
        "status": "sent",
    },
    # agencies' acts about no single resident
    "QuotaChanged": {"budget_year": 2026, "previous_total": 1000, "total": 1200, "used": 1000},
    "PesertaSyncRequested": {"run_id": str(uuid.UUID(int=9))},
    "FeedbackAnswered": {
        "tracking_number": "ADU-2026-000042",
        "kind": "pengaduan",
        "agency": "dinkes",
        "due_date": "2026-03-07",
        "overdue": False,
    },
    "FeedbackRerouted": {
        "tracking_number": "TNY-2026-000043",
        "kind": "pertanyaan",
        "agency": "dinsos",
        "to_agency": "bpjs-gateway",
        "due_date": "2026-03-05",
    },
    "ReconciliationRunPreviewed": {
        "run_id": str(uuid.UUID(int=11)),
        "kind": "snapshot",
        "rows_read": 1000,
        "deactivations": 12,
        "by_reason": {"tidak_ditemukan": 9, "mampu": 3},
        "participants": 800,
    },
    "ReconciliationRunApproved": {
        "run_id": str(uuid.UUID(int=11)),
        "kind": "snapshot",
        "deactivations": 12,
        "uploaded_by": {"id": "act_" + "cd" * 12, "agency": "dinsos", "kind": "person"},
    },
    "ReconciliationRunRejected": {
        "run_id": str(uuid.UUID(int=12)),
        "kind": "findings",
        "deactivations": 2,
        "uploaded_by": {"id": "act_" + "ef" * 12, "agency": "kelurahan", "kind": "person"},
    },
    "ImportApproved": {
        "import_id": str(uuid.UUID(int=13)),
        "rows": 40,
        "valid": 38,
        "uploaded_by": {"id": "act_" + "cd" * 12, "agency": "dinsos", "kind": "system"},
    },
    "ImportRejected": {
        "import_id": str(uuid.UUID(int=14)),
        "rows": 5,
        "valid": 5,
        "uploaded_by": {"id": "act_" + "ef" * 12, "agency": "dinsos", "kind": "person"},
    },
    "RefillBatchApproved": {
        "batch_id": str(uuid.UUID(int=15)),
        "run_id": str(uuid.UUID(int=16)),
        "residents": 20,
        "proposed": 19,
        "requested_by": {"id": "act_" + "cd" * 12, "agency": "dinsos", "kind": "person"},
    },
    "RefillBatchRejected": {
        "batch_id": str(uuid.UUID(int=17)),
        "run_id": str(uuid.UUID(int=16)),
        "residents": 3,
        "proposed": 0,
        "requested_by": {"id": "act_" + "ef" * 12, "agency": "dinsos", "kind": "person"},
    },
    "QuotaCutApproved": {
        "cut_id": str(uuid.UUID(int=18)),
        "budget_year": 2026,
        "previous_total": 1000,
        "total": 950,
        "requested_by": {"id": "act_" + "cd" * 12, "agency": "dinkes", "kind": "person"},
    },
    "QuotaCutRejected": {
        "cut_id": str(uuid.UUID(int=19)),
        "budget_year": 2026,
        "previous_total": 1000,
        "total": 900,
        "requested_by": {"id": "act_" + "ef" * 12, "agency": "dinkes", "kind": "person"},
    },
    "ResidentDataErased": {"ground": "retention_over", "key_version": 1},
    "AccessRequestAnswered": {"requested_by": "resident", "decisions": 4},
}
ACTOR = {"id": "act_" + "ab" * 12, "agency": "dinkes", "kind": "person"}


def _record(event_type: str, **changes: Any) -> dict[str, Any]:
    producer = EVENT_TYPES[event_type].model_fields["producer"].default
    about: dict[str, Any] = (
        {"actor": ACTOR}
        if issubclass(EVENT_TYPES[event_type], AgencyAct)
        else {"participant_id": participant_id_for(NIK, PSEUDONYM_KEY)}
    )
    if event_type == "ResidentDataErased":  # an officer's act about one resident
        about["actor"] = {**ACTOR, "agency": "dinsos"}
    return {
        "event_type": event_type,
        "producer": str(producer),
        **about,
        "correlation_id": str(uuid.UUID(int=1)),
        "payload": PAYLOADS[event_type],
        **changes,
    }


def test_there_is_a_sample_for_every_event_type() -> None:
    assert set(PAYLOADS) == set(EVENT_TYPES)


def test_every_event_is_published_by_the_owner_of_its_topic() -> None:
    for spec in CATALOGUE:
        for event in spec.events:
            fields = EVENT_TYPES[event.__name__].model_fields
            (literal,) = typing.get_args(fields["producer"].annotation)
            assert literal == spec.owner, event.__name__


def test_every_event_type_has_exactly_one_topic() -> None:
    in_catalogue = [event.__name__ for spec in CATALOGUE for event in spec.events]
    assert sorted(in_catalogue) == sorted(EVENT_TYPES)
    for name in EVENT_TYPES:
        assert topic_for(name).startswith("jkn.")
        assert topic_for(name, prefix="t1.") == "t1." + topic_for(name)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_parse_event_round_trips_every_event(event_type: str) -> None:
    event = parse_event(json.dumps(_record(event_type)))
    assert type(event).__name__ == event_type
    assert isinstance(event, EventBase)
    again = parse_event(event.model_dump_json())
    assert again == event


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_an_event_cannot_claim_another_producer(event_type: str) -> None:
    producer = EVENT_TYPES[event_type].model_fields["producer"].default
    other = next(p for p in ("dinsos", "dinkes", "bpjs-gateway", "notifications") if p != producer)
    with pytest.raises(ValidationError):
        parse_event(json.dumps(_record(event_type, producer=other)))


@pytest.mark.parametrize(
    "bad_payload",
    [
        {**LEGACY_PAYLOADS["ParticipantRegistered"], "resident": {**_RESIDENT, "kelurahan": NIK}},
        {**LEGACY_PAYLOADS["ParticipantRegistered"], "resident": {**_RESIDENT, "nik": NIK + "9"}},
        {**LEGACY_PAYLOADS["ParticipantRegistered"], "resident": {**_RESIDENT, "name": ""}},
        {**LEGACY_PAYLOADS["ParticipantRegistered"], "resident": {**_RESIDENT, "phone": NIK + NIK}},
        {**PAYLOADS["ParticipantRegistered"], "proposed_by": NIK * 10},
    ],
    ids=["nik-as-kelurahan", "nik-too-long", "empty-name", "phone", "proposed_by"],
)
def test_a_validation_error_never_shows_the_nik(bad_payload: dict[str, Any]) -> None:
    raw = json.dumps(_record("ParticipantRegistered", payload=bad_payload))
    with pytest.raises(ValidationError) as caught:
        parse_event(raw)
    # str() and repr() are what loggers and dead-letter reasons use; errors() includes the
    # input unless asked not to, so plumbing must call errors(include_input=False).
    assert NIK not in str(caught.value)
    assert NIK not in repr(caught.value)
    assert NIK not in json.dumps(caught.value.errors(include_input=False, include_url=False))


def test_participant_id_is_deterministic_and_reveals_no_nik() -> None:
    first = participant_id_for(NIK, PSEUDONYM_KEY)
    assert first == participant_id_for(NIK, PSEUDONYM_KEY)
    assert NIK not in first
    assert __import__("re").fullmatch(PARTICIPANT_ID_PATTERN, first)
    assert participant_id_for(NIK, "another-city-key") != first
    assert participant_id_for("1571015505900002", PSEUDONYM_KEY) != first


def test_birth_date_in_samples_is_a_date() -> None:
    event = parse_event(
        json.dumps(_record("ParticipantVerified", payload=LEGACY_PAYLOADS["ParticipantVerified"]))
    )
    assert event.payload.resident.birth_date == date(1990, 5, 15)  # type: ignore[union-attr]


@pytest.mark.parametrize("event_type", sorted(LEGACY_PAYLOADS))
def test_a_version_1_record_still_in_the_topic_is_read_by_its_legacy_class(
    event_type: str,
) -> None:
    for version in ({"schema_version": 1}, {}):
        raw = json.dumps(_record(event_type, payload=LEGACY_PAYLOADS[event_type], **version))
        event = parse_event(raw)
        assert type(event) is LEGACY_V1[event_type]
        assert event.schema_version == 1
        assert parse_event(event.model_dump_json()) == event
    # version 2 is never read as version 1, nor a version-2 record with clear fields
    with pytest.raises(ValidationError):
        parse_event(
            json.dumps(_record(event_type, payload=LEGACY_PAYLOADS[event_type], schema_version=2))
        )
    assert parse_event(json.dumps(_record(event_type))).schema_version == 2
