"""The feedback channel's rules: kinds, routing to the agency in charge, deadlines,
tracking numbers and access codes, and what the forms accept."""

from __future__ import annotations

import re
from datetime import date

import pytest
from notifications.domain.feedback import (
    DEFAULT_DUE_DAYS,
    agency_for,
    classify,
    due_date,
    kind_of,
    parse_due_days,
    topic_of,
)
from notifications.domain.feedback_forms import (
    Answer,
    FieldError,
    ReplyTo,
    Reroute,
    Submission,
    check_answer,
    check_reroute,
    read_answer,
    read_inbound,
    read_reroute,
    read_submission,
)
from notifications.domain.feedback_replies import answered_reply, received_reply
from notifications.domain.tracking import (
    ACCESS_CODE_ALPHABET,
    access_hash,
    code_matches,
    is_tracking_number,
    new_access_code,
    tracking_number,
)

PHONE = "+6281234567890"


def rules(outcome: object) -> set[tuple[str, str]]:
    assert isinstance(outcome, list)
    return {(e.field, e.rule) for e in outcome}


@pytest.mark.parametrize(
    ("topic", "agency"),
    [
        ("usulan_kepesertaan", "dinsos"),
        ("verifikasi_kuota", "dinkes"),
        ("kartu_faskes", "bpjs-gateway"),
        ("lainnya", "dinsos"),
    ],
)
def test_a_web_form_topic_names_the_agency_in_charge(topic: str, agency: str) -> None:
    assert agency_for(topic) == agency  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Kartu BPJS saya belum sampai", "kartu_faskes"),
        ("Puskesmas menolak melayani saya", "kartu_faskes"),
        ("Usulan saya ditolak, kenapa", "verifikasi_kuota"),
        ("Saya masih di daftar tunggu sejak Mei", "verifikasi_kuota"),
        ("Kuota sudah penuh katanya", "verifikasi_kuota"),
        ("Tetangga saya sudah meninggal tapi masih terdaftar", "usulan_kepesertaan"),
        ("Mohon diusulkan, saya tidak mampu", "usulan_kepesertaan"),
        ("Terima kasih atas programnya", "lainnya"),
    ],
)
def test_free_text_is_routed_by_its_keywords(text: str, topic: str) -> None:
    assert topic_of(text) == topic


def test_a_card_problem_goes_to_the_bpjs_desk_even_when_it_mentions_a_rejection() -> None:
    assert agency_for(topic_of("Kartu saya ditolak di klinik")) == "bpjs-gateway"


def test_the_waiting_list_is_a_dinkes_matter_although_it_says_daftar() -> None:
    assert agency_for(topic_of("Berapa lama daftar tunggu?")) == "dinkes"


def test_free_text_that_matches_no_rule_goes_to_the_programme_owner() -> None:
    assert agency_for(topic_of("Halo")) == "dinsos"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Saya mau mengadukan petugas; ini aduan resmi", "pengaduan"),
        ("Keluhan: antrean puskesmas panjang?", "pengaduan"),
        ("Kapan kartu saya jadi?", "pertanyaan"),
        ("Saya mau tanya soal kuota", "pertanyaan"),
        ("Programnya bagus, lanjutkan", "masukan"),
    ],
)
def test_the_kind_of_free_text_is_read_from_its_words(text: str, kind: str) -> None:
    assert kind_of(text) == kind


def test_classify_gives_kind_and_topic_of_an_sms() -> None:
    assert classify("Komplain: kartu saya hilang") == ("pengaduan", "kartu_faskes")


def test_deadlines_default_to_five_three_and_fourteen_calendar_days() -> None:
    received = date(2026, 12, 29)
    assert due_date("pengaduan", received) == date(2027, 1, 3)
    assert due_date("pertanyaan", received) == date(2027, 1, 1)
    assert due_date("masukan", received) == date(2027, 1, 12)


def test_deadlines_are_configurable_per_kind() -> None:
    days = parse_due_days("pengaduan=2, masukan=30")
    assert days == {"pengaduan": 2, "pertanyaan": 3, "masukan": 30}
    assert parse_due_days("") == DEFAULT_DUE_DAYS
    assert due_date("pengaduan", date(2026, 3, 1), days) == date(2026, 3, 3)


@pytest.mark.parametrize("spec", ["keluhan=5", "pengaduan=0", "pengaduan=lima", "pengaduan"])
def test_a_wrong_deadline_setting_stops_the_service_with_the_reason(spec: str) -> None:
    with pytest.raises(ValueError, match="NOTIFICATIONS_FEEDBACK_DUE_DAYS"):
        parse_due_days(spec)


def test_tracking_numbers_name_the_kind_the_year_and_a_sequence() -> None:
    assert tracking_number("pengaduan", 2026, 42) == "ADU-2026-000042"
    assert tracking_number("pertanyaan", 2026, 7) == "TNY-2026-000007"
    assert tracking_number("masukan", 2027, 1234567) == "MSK-2027-1234567"
    assert is_tracking_number("ADU-2026-000042")
    assert not is_tracking_number("ADU-2026-42")
    assert not is_tracking_number("../etc/passwd")


def test_access_codes_are_eight_unambiguous_characters_and_differ() -> None:
    codes = {new_access_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(f"[{ACCESS_CODE_ALPHABET}]{{8}}", c) for c in codes)
    assert not set("01OIL") & set(ACCESS_CODE_ALPHABET)


def test_only_the_hash_of_an_access_code_is_kept_and_it_checks_a_typed_code() -> None:
    code = new_access_code()
    stored = access_hash(code)
    assert code.encode() not in stored
    assert code_matches(code, stored)
    assert code_matches(f"  {code.lower()} ", stored)
    assert not code_matches("AAAAAAAA", stored)
    assert not code_matches(None, stored)
    assert not code_matches("", stored)


def test_a_complete_web_form_is_read() -> None:
    outcome = read_submission(
        {
            "kind": "pengaduan",
            "topic": "kartu_faskes",
            "message": "  Kartu belum sampai  ",
            "reply_to": {"channel": "sms", "address": "+62 812-3456-7890"},
            "participant_id": "P3f9a0c1d2e4b5a6978877665",
        }
    )
    assert outcome == Submission(
        "pengaduan",
        "kartu_faskes",
        "Kartu belum sampai",
        ReplyTo("sms", PHONE),
        "P3f9a0c1d2e4b5a6978877665",
    )


def test_every_problem_of_a_web_form_is_named_by_field_and_rule() -> None:
    outcome = read_submission(
        {
            "kind": "kritik",
            "topic": "",
            "message": "x" * 2001,
            "reply_to": {"channel": "email", "address": "not-an-address"},
            "participant_id": "1571014501900001",
            "nik": "1571014501900001",
        }
    )
    assert rules(outcome) == {
        ("kind", "KIND_UNKNOWN"),
        ("topic", "REQUIRED"),
        ("message", "TOO_LONG"),
        ("reply_to.address", "EMAIL_INVALID"),
        ("participant_id", "PARTICIPANT_ID_INVALID"),
        ("nik", "FIELD_UNKNOWN"),
    }


def test_errors_speak_english_and_indonesian_and_never_repeat_the_value() -> None:
    outcome = read_submission(
        {"kind": "masukan", "topic": "lainnya", "message": "ok",
         "reply_to": {"channel": "whatsapp", "address": "0812-ABC"}}
    )  # fmt: skip
    assert isinstance(outcome, list)
    [error] = outcome
    assert error == FieldError("reply_to.address", "PHONE_INVALID", error.message)
    assert " / " in error.message
    assert "ABC" not in error.message


def test_a_reply_to_that_is_not_an_object_is_named_as_such() -> None:
    outcome = read_submission({"kind": "masukan", "topic": "lainnya", "message": "ok",
                               "reply_to": PHONE})  # fmt: skip
    assert rules(outcome) == {("reply_to", "BODY_INVALID")}


@pytest.mark.parametrize("body", [[], "text", None])
def test_a_body_that_is_not_an_object_is_refused(body: object) -> None:
    assert rules(read_submission(body)) == {("body", "BODY_INVALID")}


def test_a_webhook_delivery_is_read_and_an_overlong_text_is_cut_not_refused() -> None:
    outcome = read_inbound({"message_id": "wamid.1", "from": "6281234567890", "text": "y" * 3000})
    assert not isinstance(outcome, list)
    assert (outcome.message_id, outcome.sender, len(outcome.text)) == (
        "wamid.1",
        "6281234567890",
        2000,
    )


def test_a_webhook_delivery_without_text_or_sender_is_refused() -> None:
    outcome = read_inbound({"message_id": "m1", "from": "halo", "text": "  "})
    assert rules(outcome) == {("from", "PHONE_INVALID"), ("text", "REQUIRED")}


def test_an_answer_is_the_calling_agency_s_and_the_body_cannot_name_another() -> None:
    answer = read_answer({"answer": "Sudah."}, agency="dinkes", answered_by="act_7")
    assert answer == Answer("dinkes", "act_7", "Sudah.")
    forged = read_answer({"agency": "dinsos", "answer": ""}, agency="dinkes", answered_by="a")
    assert rules(forged) == {("agency", "FIELD_UNKNOWN"), ("answer", "REQUIRED")}


def test_only_the_agency_an_item_is_routed_to_may_answer_it_and_only_once() -> None:
    answer = Answer("dinkes", "petugas-7", "Sudah.")
    assert check_answer("dinkes", "received", answer) is None
    wrong = check_answer("dinsos", "received", answer)
    assert wrong is not None
    assert (wrong.field, wrong.rule) == ("agency", "WRONG_JURISDICTION")
    again = check_answer("dinkes", "answered", answer)
    assert again is not None
    assert again.rule == "ALREADY_ANSWERED"


def test_a_reroute_goes_to_another_agency_from_the_one_holding_the_item() -> None:
    reroute = read_reroute({"to_agency": "dinkes", "reason": "kuota"}, from_agency="dinsos")
    assert reroute == Reroute("dinsos", "dinkes", "kuota")
    assert check_reroute("dinsos", "received", reroute) is None
    held_elsewhere = check_reroute("bpjs-gateway", "received", reroute)
    assert held_elsewhere is not None
    assert held_elsewhere.rule == "WRONG_JURISDICTION"
    same = read_reroute({"to_agency": "dinkes", "reason": "x"}, from_agency="dinkes")
    assert rules(same) == {("to_agency", "SAME_AGENCY")}
    forged = read_reroute(
        {"from_agency": "dinkes", "to_agency": "bpjs-gateway", "reason": "x"}, from_agency="dinsos"
    )
    assert rules(forged) == {("from_agency", "FIELD_UNKNOWN")}


def test_the_automatic_reply_gives_tracking_number_code_agency_and_deadline() -> None:
    reply = received_reply("pengaduan", "ADU-2026-000042", "ABCD2345", "dinkes", date(2026, 3, 6))
    assert reply.template_id == "feedback_received"
    assert "ADU-2026-000042" in reply.subject
    assert "Nomor pelacakan: ADU-2026-000042" in reply.body
    assert "Kode akses: ABCD2345" in reply.body
    assert "Dinas Kesehatan" in reply.body
    assert "6 Maret 2026" in reply.body


def test_the_answer_reply_quotes_the_agency_and_its_answer() -> None:
    reply = answered_reply("pertanyaan", "TNY-2026-000001", "bpjs-gateway", "Kartu dikirim {x}.")
    assert reply.template_id == "feedback_answered"
    assert "Kartu dikirim {x}." in reply.body
    assert "Meja Layanan BPJS Kesehatan" in reply.body
