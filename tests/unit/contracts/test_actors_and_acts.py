"""Who acted travels with the fact (the envelope's ``actor``), and agencies' acts about no
single resident are facts like the others: quota changes, feedback answers and reroutes,
peserta syncs asked for by hand."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import pytest
from jkn_contracts import (
    CATALOGUE,
    EVENT_TYPES,
    Actor,
    AgencyAct,
    FeedbackAnswered,
    FeedbackRerouted,
    ImportApproved,
    ImportRejected,
    ParticipantRegistered,
    PesertaSyncRequested,
    QuotaChanged,
    ReconciliationRunApproved,
    ReconciliationRunPreviewed,
    ReconciliationRunRejected,
    RefillBatchApproved,
    RefillBatchRejected,
    ResidentEvent,
    parse_event,
    topic_for,
)
from jkn_contracts._generate import CONTRACTS_DIR, build_schemas
from jkn_contracts.compat import check_backward_compatible
from jkn_contracts.decisions import Decision, decision_of
from jkn_contracts.legacy import LEGACY_V1
from pydantic import ValidationError

PID = "P" + "3c" * 12
OFFICER = {"id": "act_" + "5a" * 12, "agency": "dinsos", "kind": "person"}
VERIFIER = Actor(id="act_" + "d1" * 12, agency="dinkes", kind="person")
AGENT = Actor(id="act_" + "c5" * 12, agency="dinkes", kind="person")
ACTS = {"QuotaChanged", "FeedbackAnswered", "FeedbackRerouted", "PesertaSyncRequested"}
# reconciliation runs' upload and decision, and imports' decision: published with the
# actor from the start
RUN_ACTS = {
    "ReconciliationRunPreviewed",
    "ReconciliationRunApproved",
    "ReconciliationRunRejected",
    "ImportApproved",
    "ImportRejected",
    "RefillBatchApproved",
    "RefillBatchRejected",
}
# a quota cut's decision (Dinkes's maker-checker): published with the actor from the start
QUOTA_CUT_ACTS = {"QuotaCutApproved", "QuotaCutRejected"}
# acts about one resident, published with their (required) actor from the start
RESIDENT_ACTS = {"ResidentDataErased"}
# published with the actor from the start, optional: the resident's own request has none
ACCESS_ANSWERS = {"AccessRequestAnswered"}


def registered(**envelope: Any) -> dict[str, Any]:
    return {
        "event_type": "ParticipantRegistered",
        "schema_version": 2,
        "producer": "dinsos",
        "participant_id": PID,
        "correlation_id": str(uuid.uuid4()),
        "payload": {
            "proposal_id": str(uuid.uuid4()),
            "source": "walk_in",
            "personal": {
                "alg": "A256GCM",
                "kid": f"{PID}.v1",
                "nonce": "AAAAAAAAAAAAAAAA",
                "ciphertext": "c2VhbGVkLWJ5LWEtdGVzdA",
            },
            "proposed_by": "siti.dinsos",
        },
        **envelope,
    }


def answered(**changes: Any) -> FeedbackAnswered:
    fields: dict[str, Any] = {
        "correlation_id": uuid.uuid4(),
        "actor": AGENT,
        "payload": {
            "tracking_number": "ADU-2026-000042",
            "kind": "pengaduan",
            "agency": "dinkes",
            "due_date": date(2026, 3, 7),
            "overdue": False,
        },
    }
    return FeedbackAnswered(**{**fields, **changes})


# --- the actor in the envelope ---------------------------------------------------------------


def test_a_fact_commanded_by_someone_names_them_pseudonymously() -> None:
    event = parse_event(json.dumps(registered(actor=OFFICER)))
    assert event.actor == Actor(**OFFICER)
    assert json.loads(event.model_dump_json())["actor"] == OFFICER


def test_a_fact_without_an_actor_is_as_valid_as_before_actors_existed() -> None:
    event = parse_event(json.dumps(registered()))
    assert event.actor is None


@pytest.mark.parametrize(
    "actor",
    [
        {**OFFICER, "id": "8c1e4f2a-rina-subject"},  # a raw token subject: not pseudonymous
        {**OFFICER, "id": "act_" + "5A" * 12},
        {**OFFICER, "kind": "robot"},
        {**OFFICER, "agency": "Dinas Sosial"},
        {**OFFICER, "username": "siti.dinsos"},  # nothing but id, agency and kind
        {"id": OFFICER["id"], "kind": "person"},
    ],
    ids=["subject", "uppercase", "kind", "agency", "extra", "no-agency"],
)
def test_an_actor_is_an_act_id_an_agency_and_person_or_system_only(actor: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_event(json.dumps(registered(actor=actor)))


def test_adding_the_actor_kept_every_published_schema_compatible() -> None:
    current = build_schemas()
    # published before the actor existed
    for name in (
        set(EVENT_TYPES) - ACTS - RUN_ACTS - QUOTA_CUT_ACTS - RESIDENT_ACTS - ACCESS_ANSWERS
    ):
        published = CONTRACTS_DIR / "published" / f"{name}.v1.json"
        old = json.loads(published.read_text(encoding="utf-8"))
        assert "actor" not in old["properties"], name
        # version 1 of an event that moved to version 2 is read by its legacy class
        schema = (
            LEGACY_V1[name].model_json_schema(mode="validation")
            if name in LEGACY_V1
            else current[published.name]
        )
        assert check_backward_compatible(old, schema) == [], name
        assert "actor" not in schema.get("required", []), name


def test_an_erasure_always_names_its_officer() -> None:
    for name in RESIDENT_ACTS:
        schema = build_schemas()[f"{name}.v1.json"]
        assert "actor" in schema["required"], name
        assert topic_for(name) == "jkn.dinsos.participants"


def test_an_answered_access_request_names_the_officer_who_exported_it_and_no_resident() -> None:
    schema = build_schemas()["AccessRequestAnswered.v1.json"]
    payload = schema["$defs"]["AccessRequestAnsweredPayload"]["properties"]

    assert "actor" not in schema["required"]  # the resident asking themself has no token
    assert set(payload) == {"requested_by", "decisions"}  # no personal data, no answer text
    assert topic_for("AccessRequestAnswered") == "jkn.dinsos.participants"


# --- agencies' acts ---------------------------------------------------------------------------


def test_the_acts_are_events_of_their_owner_s_topic() -> None:
    agency_acts = ACTS | RUN_ACTS | QUOTA_CUT_ACTS
    assert {n for n, t in EVENT_TYPES.items() if issubclass(t, AgencyAct)} == agency_acts
    assert {n for n, t in EVENT_TYPES.items() if issubclass(t, ResidentEvent)} == (
        set(EVENT_TYPES) - agency_acts
    )
    assert topic_for("QuotaChanged") == "jkn.dinkes.verifications"
    assert topic_for("PesertaSyncRequested") == "jkn.bpjs.participants"
    assert (
        topic_for("FeedbackAnswered")
        == topic_for("FeedbackRerouted")
        == ("jkn.notifications.messages")
    )
    owners = {e.__name__: spec.owner.value for spec in CATALOGUE for e in spec.events}
    assert {n: owners[n] for n in sorted(agency_acts)} == {
        "FeedbackAnswered": "notifications",
        "FeedbackRerouted": "notifications",
        "PesertaSyncRequested": "bpjs-gateway",
        "QuotaChanged": "dinkes",
        **dict.fromkeys(RUN_ACTS, "dinsos"),
        **dict.fromkeys(QUOTA_CUT_ACTS, "dinkes"),
    }
    assert {topic_for(n) for n in RUN_ACTS} == {"jkn.dinsos.participants"}
    assert {topic_for(n) for n in QUOTA_CUT_ACTS} == {"jkn.dinkes.verifications"}


def test_a_run_s_acts_are_keyed_by_the_run_and_name_maker_and_checker() -> None:
    run_id = uuid.uuid4()
    maker = Actor(id="act_" + "a1" * 12, agency="kelurahan", kind="person")
    checker = Actor(id="act_" + "a2" * 12, agency="dinsos", kind="person")
    previewed = ReconciliationRunPreviewed(
        correlation_id=run_id,
        actor=maker,
        payload={
            "run_id": run_id,
            "kind": "findings",
            "rows_read": 3,
            "deactivations": 2,
            "by_reason": {"meninggal": 2},
            "participants": 100,
        },
    )
    approved = ReconciliationRunApproved(
        correlation_id=run_id,
        actor=checker,
        payload={"run_id": run_id, "kind": "findings", "deactivations": 2, "uploaded_by": maker},
    )
    assert previewed.record_key() == approved.record_key() == f"reconciliation:{run_id}"
    assert approved.payload.uploaded_by == maker
    assert approved.actor == checker
    assert decision_of(previewed) == Decision(
        "reconciliation_previewed", ("kind:findings", "meninggal"), None
    )
    assert decision_of(approved).decision == "reconciliation_approved"
    with pytest.raises(ValidationError):
        ReconciliationRunRejected(
            correlation_id=run_id,
            payload={"run_id": run_id, "kind": "snapshot", "deactivations": 0, "uploaded_by": None},
        )  # an act always names who acted


def test_an_import_s_decision_is_keyed_by_the_import_and_names_maker_and_checker() -> None:
    import_id = uuid.uuid4()
    maker = Actor(id="act_" + "b1" * 12, agency="dinsos", kind="system")
    checker = Actor(id="act_" + "b2" * 12, agency="dinsos", kind="person")
    payload = {"import_id": import_id, "rows": 4, "valid": 3, "uploaded_by": maker}
    approved = ImportApproved(correlation_id=import_id, actor=checker, payload=payload)
    rejected = ImportRejected(correlation_id=import_id, actor=checker, payload=payload)
    assert approved.record_key() == rejected.record_key() == f"import:{import_id}"
    assert (approved.actor, approved.payload.uploaded_by) == (checker, maker)
    assert decision_of(approved) == Decision("import_approved", (), None)
    assert decision_of(rejected).decision == "import_rejected"
    with pytest.raises(ValidationError):
        ImportApproved(correlation_id=import_id, payload=payload)  # an act names who acted


def test_a_refill_batch_s_decision_is_keyed_by_the_batch_and_names_maker_and_checker() -> None:
    batch_id, run_id = uuid.uuid4(), uuid.uuid4()
    maker = Actor(id="act_" + "b3" * 12, agency="dinsos", kind="person")
    checker = Actor(id="act_" + "b4" * 12, agency="dinsos", kind="person")
    payload = {
        "batch_id": batch_id,
        "run_id": run_id,
        "residents": 4,
        "proposed": 4,
        "requested_by": maker,
    }
    approved = RefillBatchApproved(correlation_id=batch_id, actor=checker, payload=payload)
    rejected = RefillBatchRejected(
        correlation_id=batch_id, actor=checker, payload={**payload, "proposed": 0}
    )
    assert approved.record_key() == rejected.record_key() == f"refill:{batch_id}"
    assert (approved.actor, approved.payload.requested_by) == (checker, maker)
    assert decision_of(approved) == Decision("refill_approved", (), None)
    assert decision_of(rejected).decision == "refill_rejected"
    with pytest.raises(ValidationError):
        RefillBatchApproved(correlation_id=batch_id, payload=payload)  # names who acted


def test_an_act_always_names_who_acted() -> None:
    with pytest.raises(ValidationError):
        answered(actor=None)


def test_an_act_is_about_no_resident() -> None:
    assert answered().participant_id is None
    with pytest.raises(ValidationError):
        answered(participant_id=PID)


def test_each_act_is_keyed_by_what_orders_it() -> None:
    quota = QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=VERIFIER,
        payload={"budget_year": 2027, "previous_total": None, "total": 800, "used": 0},
    )
    sync = PesertaSyncRequested(
        correlation_id=uuid.uuid4(),
        actor=Actor(id="act_" + "b0" * 12, agency="bpjs-gateway", kind="person"),
        payload={"run_id": uuid.uuid4()},
    )
    rerouted = FeedbackRerouted(
        correlation_id=uuid.uuid4(),
        actor=AGENT,
        payload={
            "tracking_number": "TNY-2026-000043",
            "kind": "pertanyaan",
            "agency": "dinkes",
            "to_agency": "dinsos",
            "due_date": date(2026, 3, 5),
        },
    )
    assert quota.record_key() == "quota:2027"
    assert sync.record_key() == "sync"
    assert answered().record_key() == "ADU-2026-000042"
    assert rerouted.record_key() == "TNY-2026-000043"
    resident = parse_event(json.dumps(registered()))
    assert isinstance(resident, ParticipantRegistered)
    assert resident.record_key() == PID


def test_feedback_acts_carry_neither_texts_nor_contact_details() -> None:
    schemas = build_schemas()
    for name in ("FeedbackAnswered", "FeedbackRerouted"):
        payload = schemas[f"{name}.v1.json"]["$defs"][f"{name}Payload"]["properties"]
        assert not set(payload) & {"message", "answer", "reason", "reply_to", "phone", "email"}
    with pytest.raises(ValidationError):
        answered(payload={**answered().payload.model_dump(), "answer": "Kartu Anda aktif."})


def test_a_tracking_number_must_look_like_one() -> None:
    with pytest.raises(ValidationError):
        answered(payload={**answered().payload.model_dump(), "tracking_number": "081234567890"})


# --- what the audit trail and the traces read of them ----------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "admitted", "reasons"),
    [
        (1000, 1200, 3, ("budget_year:2026", "QUOTA_RAISED", "ADMITTED_FROM_WAITLIST")),
        (1200, 1100, 0, ("budget_year:2026", "QUOTA_LOWERED")),
        (1100, 1100, 0, ("budget_year:2026", "QUOTA_UNCHANGED")),
        (None, 900, 0, ("budget_year:2026", "QUOTA_SET")),
    ],
)
def test_a_quota_change_states_its_year_and_direction(
    before: int | None, after: int, admitted: int, reasons: tuple[str, ...]
) -> None:
    changed = QuotaChanged(
        correlation_id=uuid.uuid4(),
        actor=VERIFIER,
        payload={
            "budget_year": 2026,
            "previous_total": before,
            "total": after,
            "used": 900,
            "admitted_from_waitlist": admitted,
        },
    )
    assert decision_of(changed) == Decision("quota_changed", reasons, None)


def test_feedback_acts_cite_the_item_by_its_tracking_number() -> None:
    assert decision_of(answered()) == Decision(
        "feedback_answered", ("pengaduan",), "ADU-2026-000042"
    )
    late = answered(payload={**answered().payload.model_dump(), "overdue": True})
    assert decision_of(late).reasons == ("pengaduan", "OVERDUE")
    rerouted = FeedbackRerouted(
        correlation_id=uuid.uuid4(),
        actor=AGENT,
        payload={
            "tracking_number": "TNY-2026-000043",
            "kind": "pertanyaan",
            "agency": "dinkes",
            "to_agency": "dinsos",
            "due_date": date(2026, 3, 5),
        },
    )
    assert decision_of(rerouted) == Decision(
        "feedback_rerouted", ("pertanyaan", "to:dinsos"), "TNY-2026-000043"
    )


def test_a_sync_asked_for_is_stated_as_such() -> None:
    sync = PesertaSyncRequested(
        correlation_id=uuid.uuid4(),
        actor=Actor(id="act_" + "b0" * 12, agency="bpjs-gateway", kind="person"),
        payload={"run_id": uuid.uuid4()},
    )
    assert decision_of(sync) == Decision("peserta_sync_requested", (), None)
