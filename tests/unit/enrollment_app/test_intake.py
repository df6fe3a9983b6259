"""Intake rules that need no database: reading a JSON form, receipt codes, status order."""

from __future__ import annotations

import tempfile
from pathlib import Path

from enrollment.adapters.proposals import receipt_hash
from enrollment.app.imports import check_header
from enrollment.app.proposals import new_receipt_code, read_form
from enrollment.domain import ProposalStatus, advances


def test_a_json_form_becomes_text_fields_and_the_proposer() -> None:
    fields, proposed_by, errors = read_form(
        {"nik": "1571010101700001", "welfare_decile": 3, "email": None, "proposed_by": " Ani  R "}
    )

    assert fields == {"nik": "1571010101700001", "welfare_decile": "3"}
    assert proposed_by == "Ani R"
    assert errors == []


def test_a_form_without_proposer_or_with_nested_values_is_reported_by_field() -> None:
    _, proposed_by, errors = read_form({"name": {"first": "Budi"}, "sex": True})

    assert proposed_by is None
    assert {(e.field, e.rule) for e in errors} == {
        ("name", "TYPE"), ("sex", "TYPE"), ("proposed_by", "REQUIRED")
    }  # fmt: skip


def test_a_body_that_is_not_an_object_is_one_error() -> None:
    assert read_form([1, 2])[2][0].rule == "JSON_OBJECT"


def test_receipt_codes_avoid_look_alike_characters_and_match_in_any_case() -> None:
    codes = {new_receipt_code() for _ in range(200)}

    assert len(codes) == 200
    assert not any(set(code) & set("01IO") for code in codes)
    code = codes.pop()
    assert receipt_hash(code.lower()) == receipt_hash(f" {code} ")


def test_a_status_only_moves_forward() -> None:
    assert advances(ProposalStatus.REGISTERED, ProposalStatus.CHECKING)
    assert advances(ProposalStatus.WAITLISTED, ProposalStatus.VERIFIED)
    assert advances(ProposalStatus.VERIFIED, ProposalStatus.ACTIVATED)
    assert not advances(ProposalStatus.ACTIVATED, ProposalStatus.VERIFIED)
    assert not advances(ProposalStatus.ACTIVATED, ProposalStatus.CHECKING)
    assert not advances(ProposalStatus.REJECTED, ProposalStatus.VERIFIED)


def _file(text: str | bytes) -> Path:
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as f:
        f.write(text.encode() if isinstance(text, str) else text)
    return Path(f.name)


def test_an_upload_header_is_checked_before_the_import_starts() -> None:
    good = _file("\ufeffNIK;KK;Name;Sex;Birth Date;Kelurahan;Source\r\n")
    bad = _file("nik,kk\n")
    latin1 = _file("nik;kk;name;sex;birth_date;kelurahan;source;alamat\xe9\n".encode("latin-1"))

    assert check_header(good) == []
    assert {e.rule for e in check_header(bad)} == {"MISSING_COLUMN"}
    assert [e.rule for e in check_header(latin1)] == ["ENCODING"]
    for path in (good, bad, latin1):
        path.unlink()
