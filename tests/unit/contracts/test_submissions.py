"""Agencies' systems submit on inbound topics and are answered on reply topics: the
contracts say who may write each (one system per inbound topic, its owner per reply topic),
what a submission and an answer look like, what keys them (the sender's submission_id, never
a NIK), and that neither an error nor an answer ever carries a submitted value."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from jkn_contracts import (
    CATALOGUE,
    CONSUMERS,
    INBOUND,
    MESSAGE_TYPES,
    SUBMISSION_TYPES,
    ProposalSubmitted,
    SubmissionAccepted,
    SubmissionRefused,
    parse_event,
    parse_message,
)
from jkn_contracts.decisions import Decision, decision_of
from jkn_contracts.topics import (
    AGENCY_SYSTEMS,
    BUS_SERVICES,
    events_of,
    inbound_spec,
    topics_published_by,
    topics_written_by,
)
from jkn_devstack.submit import describe
from pydantic import ValidationError

NIK = "1571015505900001"
KK = "1571010101150003"
FORM = {
    "nik": NIK,
    "kk": KK,
    "name": "Siti Aminah",
    "sex": "P",
    "birth_date": "1990-05-15",
    "kelurahan": "1571011001",
    "source": "dtks",
    "proposed_by": "siks-ng",
}
ROW = {
    "nik": NIK,
    "reason": "meninggal",
    "evidence_ref": "AKTA/2026/7",
    "officer": "sekretaris",
    "kelurahan": "1571011001",
}


def _proposal(**changes: Any) -> dict[str, Any]:
    return {
        "event_type": "ProposalSubmitted",
        "event_id": str(uuid.uuid4()),
        "submission_id": "siks-2026-04-000123",
        "payload": FORM,
        **changes,
    }


# --- the catalogue -----------------------------------------------------------------------------


def test_inbound_topics_are_not_fact_topics_and_each_has_one_writing_system() -> None:
    facts = {spec.name for spec in CATALOGUE}
    names = [spec.name for spec in INBOUND] + [spec.reply_topic for spec in INBOUND]
    assert len(set(names)) == len(names)
    assert not facts & set(names)
    assert [spec.writer for spec in INBOUND] == ["dinsos-siks", "kelurahan-1571011001"]
    assert set(AGENCY_SYSTEMS) == {spec.writer for spec in INBOUND}
    assert not set(AGENCY_SYSTEMS) & set(BUS_SERVICES), "a system is not a service"


def test_an_inbound_topic_is_read_by_its_owner_alone_and_answered_by_it_alone() -> None:
    for spec in INBOUND:
        assert spec.owner == "enrollment"
        readers = [group for group, topics in CONSUMERS.items() if spec.name in topics]
        assert readers == [spec.owner]
        assert not any(spec.reply_topic in topics for topics in CONSUMERS.values())
        writers = [s for s in BUS_SERVICES if spec.reply_topic in topics_written_by(s)]
        assert writers == [spec.owner]
        assert spec.reply_topic not in topics_published_by(spec.owner), "not a fact topic"
        assert inbound_spec(spec.name) is spec
    assert inbound_spec("jkn.dinsos.participants") is None
    assert set(CONSUMERS["audit"]) == {spec.name for spec in CATALOGUE}


def test_the_kelurahan_system_reports_on_its_own_kelurahan_and_dinsos_on_any() -> None:
    dinsos, kelurahan = INBOUND
    assert (dinsos.agency, dinsos.kelurahan) == ("dinsos", None)
    assert (kelurahan.agency, kelurahan.kelurahan) == ("kelurahan", "1571011001")
    assert kelurahan.writer == f"kelurahan-{kelurahan.kelurahan}"


def test_what_travels_on_each_inbound_and_reply_topic() -> None:
    dinsos, kelurahan = INBOUND
    assert events_of(dinsos.name) == {"ProposalSubmitted"}
    assert events_of(kelurahan.name) == {"FindingSubmitted"}
    for spec in INBOUND:
        assert events_of(spec.reply_topic) == {"SubmissionAccepted", "SubmissionRefused"}
    assert set(SUBMISSION_TYPES) <= set(MESSAGE_TYPES)


# --- submissions -------------------------------------------------------------------------------


def test_a_submission_round_trips_and_is_keyed_by_the_sender_s_id() -> None:
    submitted = parse_message(json.dumps(_proposal()))
    assert isinstance(submitted, ProposalSubmitted)
    assert submitted.record_key() == "siks-2026-04-000123"
    assert parse_message(submitted.model_dump_json()) == submitted


def test_a_submission_is_not_a_fact() -> None:
    with pytest.raises(ValidationError):
        parse_event(json.dumps(_proposal()))


def test_a_submission_must_name_its_record_s_event_id() -> None:
    # without it a redelivered record could not be told from a new one
    record = _proposal()
    del record["event_id"]
    with pytest.raises(ValidationError):
        parse_message(json.dumps(record))


@pytest.mark.parametrize(
    "submission_id",
    ["", "has space", "x" * 65, "semi;colon", "slash/ed", NIK, f"siks-{NIK}", f"kk:{KK}"],
    ids=["empty", "space", "too-long", "semicolon", "slash", "the-nik", "holds-nik", "holds-kk"],
)
def test_a_submission_id_is_an_opaque_id_never_personal_data(submission_id: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_message(json.dumps(_proposal(submission_id=submission_id)))
    errors = caught.value.json(include_input=False, include_url=False)
    assert NIK not in str(caught.value) + errors
    assert KK not in str(caught.value) + errors


@pytest.mark.parametrize(
    "payload",
    [
        {**FORM, "unexpected": NIK},
        {k: v for k, v in FORM.items() if k != "kk"},
        {**FORM, "name": NIK * 40},
        {**FORM, "sex": ["L", NIK]},
    ],
    ids=["unknown-field", "missing", "too-long", "wrong-type"],
)
def test_a_submission_not_fitting_its_schema_is_invalid_without_showing_the_nik(
    payload: dict[str, Any],
) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_message(json.dumps(_proposal(payload=payload)))
    errors = caught.value.json(include_input=False, include_url=False)
    assert NIK not in str(caught.value) + repr(caught.value) + errors


def test_a_value_breaking_a_rule_still_fits_the_schema_so_it_can_be_answered() -> None:
    # the service's rules, not the schema, judge the values: a refusal names field and rule
    odd = {**FORM, "nik": "12", "sex": "x", "birth_date": "kemarin", "welfare_decile": "11"}
    assert isinstance(parse_message(json.dumps(_proposal(payload=odd))), ProposalSubmitted)


def test_a_finding_submission_carries_one_findings_row() -> None:
    record = {
        "event_type": "FindingSubmitted",
        "event_id": str(uuid.uuid4()),
        "submission_id": "tlp:2026:17",
        "payload": ROW,
    }
    assert parse_message(json.dumps(record)).record_key() == "tlp:2026:17"  # type: ignore[union-attr]
    with pytest.raises(ValidationError):
        parse_message(json.dumps({**record, "submission_id": f"tlp-{NIK}"}))


# --- answers -----------------------------------------------------------------------------------


def test_an_answer_is_keyed_by_the_submission_and_names_no_resident_in_its_envelope() -> None:
    accepted = SubmissionAccepted(
        correlation_id=uuid.uuid4(),
        causation_id=uuid.uuid4(),
        payload={
            "submission_id": "siks-1",
            "submission_type": "ProposalSubmitted",
            "proposal_id": uuid.uuid4(),
            "participant_id": "P" + "a" * 24,
            "receipt_code": "YS99MZQT",
        },
    )
    assert accepted.record_key() == "siks-1"
    assert accepted.participant_id is None
    assert accepted.producer == "dinsos"
    assert parse_message(accepted.model_dump_json()) == accepted
    assert decision_of(accepted) == Decision("submission_accepted", ("ProposalSubmitted",), None)


def test_a_refusal_lists_field_and_rule_codes_that_cannot_carry_a_value() -> None:
    refused = SubmissionRefused(
        correlation_id=uuid.uuid4(),
        payload={
            "submission_id": "tlp-9",
            "submission_type": "FindingSubmitted",
            "reasons": [{"field": "kelurahan", "rule": "OUTSIDE_KELURAHAN"}],
        },
    )
    assert decision_of(refused) == Decision(
        "submission_refused", ("FindingSubmitted", "kelurahan:OUTSIDE_KELURAHAN"), None
    )
    for reason in ({"field": "nik", "rule": f"NIK_{NIK}"}, {"field": f"n{NIK}", "rule": "X"}):
        with pytest.raises(ValidationError):
            SubmissionRefused(
                correlation_id=uuid.uuid4(),
                payload={
                    "submission_id": "tlp-9",
                    "submission_type": "FindingSubmitted",
                    "reasons": [reason],
                },
            )
    with pytest.raises(ValidationError):  # a refusal always says why
        SubmissionRefused(
            correlation_id=uuid.uuid4(),
            payload={"submission_id": "x", "submission_type": "FindingSubmitted", "reasons": []},
        )


def test_an_accepted_finding_names_its_run_and_waits_for_approval() -> None:
    run_id, request_id = uuid.uuid4(), uuid.uuid4()
    pending = SubmissionAccepted(
        correlation_id=run_id,
        payload={
            "submission_id": "tlp-7",
            "submission_type": "FindingSubmitted",
            "participant_id": "P" + "b" * 24,
            "request_id": request_id,
            "run_id": run_id,
            "pending_approval": True,
        },
    )
    assert parse_message(pending.model_dump_json()) == pending
    line = describe(pending)
    assert f"run_id={run_id}" in line
    assert "pending" in line
    # an answer written before findings waited in runs still reads: applied, no run
    earlier = json.loads(pending.model_dump_json())
    del earlier["payload"]["run_id"], earlier["payload"]["pending_approval"]
    read = parse_message(json.dumps(earlier))
    assert isinstance(read, SubmissionAccepted)
    assert (read.payload.run_id, read.payload.pending_approval) == (None, False)
    assert "pending" not in describe(read)
