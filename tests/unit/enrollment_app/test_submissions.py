"""An agency system's submission is checked by the rules of the matching HTTP command, and
refused with (field, rule) codes only: a proposal by those of POST /proposals (strict NIK,
sex and birth date agreeing with it, a proposer), a kelurahan's finding by those of a
findings row plus its own kelurahan."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from enrollment.app.submissions import check_finding, check_proposal
from enrollment.domain import Proposal
from enrollment.domain.findings import Finding
from jkn_contracts import DeactivationReason, ProposalSource
from jkn_contracts.submissions import FindingRow, ProposalForm

TODAY = date(2026, 4, 1)
NIK = "1571015505900001"  # a woman (55 = 15 + 40) born 1990-05-15, Jambi City
OWN = "1571011001"  # Kelurahan Telanaipura


def _form(**changes: Any) -> ProposalForm:
    fields: dict[str, Any] = {
        "nik": NIK,
        "kk": "1571010101150003",
        "name": "Siti Aminah",
        "sex": "P",
        "birth_date": "1990-05-15",
        "kelurahan": OWN,
        "source": "dtks",
        "proposed_by": "siks-ng",
        "phone": "0812-3456-7890",
        "welfare_decile": 2,
    }
    return ProposalForm(**{**fields, **changes})


def _row(**changes: Any) -> FindingRow:
    fields = {
        "nik": NIK,
        "reason": "meninggal",
        "evidence_ref": "AKTA-KEMATIAN/2026/0007",
        "officer": "sekretaris kelurahan",
        "kelurahan": OWN,
    }
    return FindingRow(**{**fields, **changes})


def test_a_valid_proposal_is_the_proposal_http_would_make() -> None:
    outcome = check_proposal(_form(sex="p", source="Walk-in"), today=TODAY)

    assert isinstance(outcome, tuple)
    proposal, proposed_by = outcome
    assert isinstance(proposal, Proposal)
    assert proposed_by == "siks-ng"
    assert (proposal.nik, proposal.sex, proposal.source) == (NIK, "P", ProposalSource.WALK_IN)
    assert proposal.phone == "+6281234567890"
    assert proposal.welfare_decile == 2


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"nik": "9971015505900001"}, [("nik", "NIK_PROVINCE")]),
        ({"nik": "157101550590000"}, [("nik", "NIK_FORMAT")]),
        # strict, as POST /proposals: an impossible encoded date breaks the NIK
        ({"nik": "1571019913900001"}, [("nik", "NIK_BIRTH_DAY")]),
        ({"sex": "L"}, [("sex", "NIK_SEX_MISMATCH")]),
        ({"birth_date": "1990-05-16"}, [("birth_date", "NIK_BIRTH_DATE_MISMATCH")]),
        ({"birth_date": "15-05-1990"}, [("birth_date", "DATE_FORMAT")]),
        ({"kk": "1571010101150000"}, [("kk", "KK_SERIAL")]),
        ({"proposed_by": " "}, [("proposed_by", "REQUIRED")]),
        ({"source": "registry_refill"}, [("source", "SOURCE_VALUE")]),
        ({"welfare_decile": 11, "name": "7"},
         [("name", "NAME_FORMAT"), ("welfare_decile", "DECILE_VALUE")]),
    ],
    ids=["province", "length", "birth-day", "sex", "birth-date", "date-format", "kk", "proposer",
         "source", "several"],
)  # fmt: skip
def test_a_proposal_breaking_a_rule_is_refused_with_field_and_rule(
    changes: dict[str, Any], codes: list[tuple[str, str]]
) -> None:
    outcome = check_proposal(_form(**changes), today=TODAY)

    assert sorted(outcome) == sorted(codes)  # type: ignore[arg-type]


def test_refusal_codes_never_carry_a_submitted_value() -> None:
    outcome = check_proposal(_form(sex="L", birth_date="1991-01-01", kk="0000"), today=TODAY)

    assert isinstance(outcome, list)
    text = repr(outcome)
    for value in (NIK, "0000", "1991-01-01", "Siti"):
        assert value not in text


def test_a_finding_of_the_sender_s_own_kelurahan_is_the_finding_of_a_findings_row() -> None:
    outcome = check_finding(_row(reason="Tidak ditemukan"), OWN)

    assert isinstance(outcome, Finding)
    assert outcome.reason is DeactivationReason.TIDAK_DITEMUKAN
    assert (outcome.nik, outcome.kelurahan, outcome.officer) == (NIK, OWN, "sekretaris kelurahan")


def test_a_finding_of_another_kelurahan_is_refused_outside_kelurahan() -> None:
    assert check_finding(_row(kelurahan="1571021002"), OWN) == [("kelurahan", "OUTSIDE_KELURAHAN")]
    # a sender with no kelurahan of its own (none today) could report on any
    assert isinstance(check_finding(_row(kelurahan="1571021002"), None), Finding)


def test_a_broken_finding_names_each_field_and_rule() -> None:
    outcome = check_finding(
        _row(nik="12", reason="pindah_segmen", evidence_ref=" ", kelurahan="15710"), OWN
    )

    assert sorted(outcome) == [  # type: ignore[arg-type]
        ("evidence_ref", "REQUIRED"),
        ("kelurahan", "KELURAHAN_FORMAT"),
        ("nik", "NIK_FORMAT"),
        ("reason", "REASON_VALUE"),  # BPJS's finding, never a kelurahan's
    ]


def test_a_finding_takes_an_old_nik_leniently_as_a_findings_file_does() -> None:
    assert isinstance(check_finding(_row(nik="1571019913900001"), OWN), Finding)
