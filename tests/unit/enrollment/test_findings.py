"""Kelurahan findings for the quarterly reconciliation."""

from __future__ import annotations

import io
import uuid

import pytest
from enrollment.domain import (
    FINDING_FIELDS,
    Finding,
    iter_rows,
    run_fingerprint,
    validate_finding,
)
from jkn_contracts import DeactivationReason

ROW = {
    "nik": "1571014501900001",
    "reason": "meninggal",
    "evidence_ref": "AKTA-KEMATIAN/2026/0012",
    "officer": "Lurah Talang Banjar",
    "kelurahan": "1571011001",
}


def errors(**changes: str) -> list[tuple[str, str]]:
    result = validate_finding(ROW | changes)
    assert isinstance(result, list), result
    return [(e.field, e.rule) for e in result]


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("meninggal", DeactivationReason.MENINGGAL),
        ("pindah", DeactivationReason.PINDAH),
        ("ganda", DeactivationReason.GANDA),
        ("tidak_ditemukan", DeactivationReason.TIDAK_DITEMUKAN),
        ("Tidak Ditemukan", DeactivationReason.TIDAK_DITEMUKAN),
        ("mampu", DeactivationReason.MAMPU),
    ],
)
def test_each_kelurahan_reason_maps_to_a_deactivation_reason(
    written: str, reason: DeactivationReason
) -> None:
    finding = validate_finding(ROW | {"reason": written})
    assert isinstance(finding, Finding)
    assert finding.reason is reason


def test_a_kelurahan_cannot_report_a_segment_change() -> None:
    assert errors(reason="pindah_segmen") == [("reason", "REASON_VALUE")]


@pytest.mark.parametrize("field", ["nik", "reason", "evidence_ref", "officer", "kelurahan"])
def test_every_finding_field_is_required(field: str) -> None:
    assert errors(**{field: ""}) == [(field, "REQUIRED")]


def test_the_kelurahan_is_a_ten_digit_code() -> None:
    assert errors(kelurahan="15710110") == [("kelurahan", "KELURAHAN_FORMAT")]


def test_a_malformed_nik_is_rejected_but_an_old_date_only_warns() -> None:
    assert errors(nik="123") == [("nik", "NIK_FORMAT")]
    old = validate_finding(ROW | {"nik": "1571013202900003"})
    assert isinstance(old, Finding)
    assert [w.rule for w in old.warnings] == ["NIK_BIRTH_DAY"]


def test_a_finding_becomes_a_deactivation_request_payload() -> None:
    finding = validate_finding(ROW)
    assert isinstance(finding, Finding)
    run_id = uuid.uuid4()
    payload = finding.request_payload(run_id)
    assert (payload.reason, payload.reported_by, payload.run_id) == (
        DeactivationReason.MENINGGAL,
        "Lurah Talang Banjar",
        run_id,
    )
    assert ROW["nik"] not in repr(finding)


def test_a_findings_file_is_read_with_its_own_columns() -> None:
    text = ";".join(FINDING_FIELDS) + "\n" + ";".join(ROW.values()) + "\n"
    [(line, row)] = list(
        iter_rows(io.StringIO(text), required=FINDING_FIELDS, known=FINDING_FIELDS)
    )
    assert line == 2
    assert isinstance(validate_finding(row), Finding)


def test_re_uploading_the_same_file_has_the_same_fingerprint() -> None:
    content = b"nik;reason\n1571014501900001;meninggal\n"
    resaved = b"\xef\xbb\xbfnik;reason  \r\n1571014501900001;meninggal\r\n\r\n"
    assert run_fingerprint(content) == run_fingerprint(resaved)
    assert len(run_fingerprint(content)) == 64


def test_a_changed_file_has_another_fingerprint() -> None:
    content = b"nik;reason\n1571014501900001;meninggal\n"
    assert run_fingerprint(content) != run_fingerprint(content.replace(b"meninggal", b"pindah"))
