"""A resident's access report (UU 27/2022 PDP), without a database: who may see it (receipt
code, NIK, birth date), what it says (their own data, who holds what and why, every
decision) and in which language; and who may call its routes."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from enrollment.adapters.audit_client import AuditFact
from enrollment.adapters.proposals import receipt_hash
from enrollment.app.access import (
    AccessForm,
    HeldProposal,
    Periods,
    access_document,
    authenticated,
    holders,
    language_of,
    read_access_form,
)
from enrollment.app.access_labels import EVENTS
from enrollment.app.access_text import render_text
from jkn_contracts import EVENT_TYPES, ResidentEvent
from jkn_contracts.access import Authentication, Role, policy_for
from jkn_contracts.personal import NEEDS, PERSONAL_FIELDS

NIK = "1571014107880002"
BORN = date(1988, 7, 1)
CODE = "K7M2Q9XA"
PERIODS = Periods(erasure_days=1825, outbox_days=7)
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def held(**changes: object) -> HeldProposal:
    proposal = HeldProposal(
        proposal_id=uuid.UUID(int=7),
        receipt_hash=receipt_hash(CODE),
        status="rejected",
        source="walk_in",
        proposed_by="petugas-dinsos-1",
        welfare_decile=2,
        reasons=[{"code": "NOT_IN_DTKS", "message": "Tidak terdaftar di DTKS."}],
        card=None,
        created_at=NOW,
        updated_at=NOW,
        erased_at=None,
        personal={
            "nik": NIK,
            "kk": "1571010101150004",
            "name": "Warga Contoh",
            "sex": "P",
            "birth_date": BORN.isoformat(),
            "kelurahan": "1571011001",
            "address": "Jl. Sultan Thaha No. 1",
            "phone": "081200000001",
            "email": None,
        },
        birth_date=BORN,
    )
    return replace(proposal, **changes)  # type: ignore[arg-type]


FACTS = [
    AuditFact(
        "2026-11-29T08:00:00.000000+00:00",
        "dinsos",
        "ParticipantRegistered",
        "proposed",
        (),
        "dinsos",
        "person",
    ),
    AuditFact(
        "2026-11-29T08:00:01.000000+00:00",
        "dinkes",
        "VerificationRejected",
        "rejected",
        ("NOT_IN_DTKS",),
        None,
        None,
    ),
]


# --- who may see it -------------------------------------------------------------------------


def test_reads_the_three_factors_and_the_language_from_the_body() -> None:
    form = read_access_form(
        {"receipt_code": " k7m2q9xa ", "nik": NIK, "birth_date": "1988-07-01", "lang": "en"}, None
    )

    assert form == AccessForm(CODE, NIK, BORN, "en")
    assert NIK not in repr(form)
    assert CODE not in repr(form)


def test_rejects_a_malformed_request_naming_each_field_never_its_value() -> None:
    errors = read_access_form(
        {"receipt_code": "", "nik": "12345", "birth_date": "01-07-1988", "lang": "fr", "x": 1},
        None,
    )

    assert isinstance(errors, list)
    assert sorted((e.field, e.rule) for e in errors) == [
        ("birth_date", "DATE_FORMAT"),
        ("lang", "LANGUAGE"),
        ("nik", "NIK_FORMAT"),
        ("receipt_code", "REQUIRED"),
        ("x", "FIELD_UNKNOWN"),
    ]
    assert not any("12345" in e.message or "1988" in e.message for e in errors)


@pytest.mark.parametrize("lang", [["en"], {"en": 1}, 1, True])
def test_a_language_that_is_not_text_is_a_field_error(lang: object) -> None:
    errors = read_access_form(
        {"receipt_code": CODE, "nik": NIK, "birth_date": "1988-07-01", "lang": lang}, None
    )

    assert isinstance(errors, list)
    assert [(e.field, e.rule) for e in errors] == [("lang", "LANGUAGE")]


def test_rejects_a_body_that_is_not_an_object() -> None:
    errors = read_access_form(["receipt_code"], None)

    assert isinstance(errors, list)
    assert [(e.field, e.rule) for e in errors] == [("body", "JSON_OBJECT")]


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        (None, None, "id"),
        ("en", None, "en"),
        ("id", "en-GB,en;q=0.9", "id"),
        (None, "en-US,en;q=0.9,id;q=0.8", "en"),
        (None, "id-ID,id;q=0.9,en;q=0.8", "id"),
        (None, "fr-FR", "id"),
    ],
)
def test_answers_in_bahasa_indonesia_unless_english_is_asked_for(
    lang: str | None, accept: str | None, expected: str
) -> None:
    assert language_of(lang, accept) == expected


def test_a_resident_is_recognised_by_the_code_and_birth_date_of_one_of_their_proposals() -> None:
    older = held(proposal_id=uuid.UUID(int=1), receipt_hash=receipt_hash("OLDCODE2"))

    assert authenticated([older, held()], CODE, BORN)
    assert authenticated([older, held()], "OLDCODE2", BORN)


def test_rejects_a_wrong_code_a_wrong_birth_date_or_factors_of_two_proposals() -> None:
    other = held(receipt_hash=receipt_hash("OTHER234"), birth_date=date(1990, 1, 1))

    assert not authenticated([held()], "WRONG234", BORN)
    assert not authenticated([held()], CODE, date(1988, 7, 2))
    assert not authenticated([held(), other], CODE, date(1990, 1, 1))
    assert not authenticated([], CODE, BORN)  # a NIK Dinas Sosial never proposed


def test_rejects_an_erased_resident_whose_birth_date_is_gone() -> None:
    assert not authenticated([held(birth_date=None)], CODE, BORN)


def test_the_resident_s_route_takes_no_token_and_the_export_is_dinsos_officers_only() -> None:
    own = policy_for("enrollment", "POST", "/residents/access")
    export = policy_for("enrollment", "GET", "/residents/{participant_id}/access-report")
    history = policy_for("audit", "GET", "/participants/{participant_id}/history")

    assert own is not None
    assert own.authentication is Authentication.NONE
    assert export is not None
    assert set(export.grants) == {Role.DINSOS_OFFICER}
    assert history is not None
    assert Role.RESIDENT_ACCESS in history.grants


def test_enrollment_s_own_role_reaches_the_audit_history_and_no_other_route() -> None:
    from jkn_contracts.access import POLICIES  # noqa: PLC0415 - the whole table, here only

    granted = [route for route, policy in POLICIES.items() if Role.RESIDENT_ACCESS in policy.grants]

    assert granted == [("audit", "GET", "/participants/{participant_id}/history")]


# --- what it says -----------------------------------------------------------------------------


def test_shows_the_resident_their_own_data_in_clear_with_where_it_came_from() -> None:
    doc = access_document(
        participant_id="P" + "ab" * 12,
        proposals=[held()],
        facts=FACTS,
        periods=PERIODS,
        lang="id",
        generated_at=NOW,
    )
    (proposal,) = doc["held_by_dinsos"]["proposals"]

    assert doc["complete"] is True
    values = {d["field"]: d["value"] for d in proposal["data"]}
    assert values["nik"] == NIK
    assert values["name"] == "Warga Contoh"
    assert values["email"] is None
    assert [d["field"] for d in proposal["data"]] == list(PERSONAL_FIELDS)
    assert proposal["source"] == {
        "code": "walk_in",
        "label": "Datang langsung ke kantor Dinas Sosial",
    }
    assert proposal["status"]["label"] == "Tidak lolos verifikasi"
    assert proposal["reasons"] == [{"code": "NOT_IN_DTKS", "message": "Tidak terdaftar di DTKS."}]


def test_who_holds_what_and_why_is_read_from_the_contracts_needs() -> None:
    listed = {h["service"]: h for h in holders("id", PERIODS)}

    for need in NEEDS:
        if need.consumer == "enrollment":
            continue
        fields = {f["code"] for f in listed[need.consumer]["fields"]}
        assert set(need.fields) <= fields, need
        if need.fields:
            assert need.why_id in listed[need.consumer]["purposes"], need
    assert {f["code"] for f in listed["enrollment"]["fields"]} == set(PERSONAL_FIELDS)
    assert listed["audit"]["fields"] == []
    assert "address" not in {f["code"] for h in listed.values() if h["service"] != "enrollment"
                             for f in h["fields"]}  # fmt: skip


def test_says_how_long_each_holder_keeps_it_from_the_retention_settings() -> None:
    listed = {h["service"]: h for h in holders("en", Periods(erasure_days=730, outbox_days=3))}

    assert "730 days (about 2 years)" in listed["enrollment"]["kept_for"]
    assert "3 days after sending" in listed["verification"]["kept_for"]
    assert "no readable personal data" in listed["audit"]["kept_for"]


def test_lists_every_decision_in_plain_words_with_its_agency_and_reason_codes() -> None:
    doc = access_document(
        participant_id="P" + "ab" * 12,
        proposals=[held()],
        facts=FACTS,
        periods=PERIODS,
        lang="id",
        generated_at=NOW,
    )
    facts = doc["decisions"]["facts"]

    assert [f["event_type"] for f in facts] == ["ParticipantRegistered", "VerificationRejected"]
    assert facts[1]["what"] == "Tidak lolos verifikasi Dinas Kesehatan"
    assert facts[1]["agency"] == {"code": "dinkes", "label": "Dinas Kesehatan"}
    assert facts[1]["reasons"] == ["NOT_IN_DTKS"]
    assert facts[0]["acted_by"] == "petugas (Dinas Sosial)"
    assert facts[1]["acted_by"] == "otomatis"


def test_every_fact_about_a_resident_has_words_in_both_languages() -> None:
    about_residents = {n for n, t in EVENT_TYPES.items() if issubclass(t, ResidentEvent)}

    assert about_residents <= set(EVENTS)
    assert all(id_ and en for id_, en in EVENTS.values())


def test_the_english_variant_has_the_same_content() -> None:
    args = {
        "participant_id": "P" + "ab" * 12,
        "proposals": [held()],
        "facts": FACTS,
        "periods": PERIODS,
        "generated_at": NOW,
    }
    bahasa, english = access_document(**args, lang="id"), access_document(**args, lang="en")  # type: ignore[arg-type]

    assert english["language"] == "en"
    assert english["decisions"]["facts"][1]["what"] == "Not approved by Dinas Kesehatan"
    strip = lambda d: [(f["event_type"], f["reasons"]) for f in d["decisions"]["facts"]]  # noqa: E731
    assert strip(bahasa) == strip(english)
    assert bahasa["held_by_dinsos"]["proposals"][0]["data"][0]["value"] == NIK
    assert english["held_by_dinsos"]["proposals"][0]["data"][0]["value"] == NIK


def test_the_printable_version_holds_the_same_sections_in_bahasa_indonesia() -> None:
    doc = access_document(
        participant_id="P" + "ab" * 12,
        proposals=[held()],
        facts=FACTS,
        periods=PERIODS,
        lang="id",
        generated_at=NOW,
    )
    text = render_text(doc)

    for heading in (
        "Data yang disimpan Dinas Sosial tentang Anda",
        "Instansi yang menerima data Anda, untuk apa, dan berapa lama",
        "Semua keputusan tentang Anda",
    ):
        assert heading in text
    assert NIK in text
    assert "Tidak lolos verifikasi Dinas Kesehatan" in text
    assert "Alasan: NOT_IN_DTKS" in text
