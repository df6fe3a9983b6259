"""Intake rules that need no database: reading a JSON form, receipt codes, status order."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from enrollment.adapters.proposals import receipt_hash
from enrollment.app.import_preview import NotReadable, scan_file
from enrollment.app.proposals import (
    issued_receipt_code,
    new_proposal,
    read_form,
    receipt_code_for,
)
from enrollment.domain import Proposal, ProposalStatus, advances, validate_proposal

KEY = "test-receipt-key"
ALPHABET = set("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")  # no 0/O, 1/I


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


def test_a_receipt_code_is_derived_from_the_proposal_id_under_the_service_key() -> None:
    proposal_id = uuid.UUID("0f2c7a4e-5b1d-4c8e-9a63-2d7e1f0b8c45")

    assert receipt_code_for(proposal_id, KEY) == receipt_code_for(uuid.UUID(str(proposal_id)), KEY)
    assert receipt_code_for(proposal_id, KEY) != receipt_code_for(uuid.uuid4(), KEY)
    assert receipt_code_for(proposal_id, KEY) != receipt_code_for(proposal_id, "another-key")
    # Frozen: the receipts download re-derives the codes residents were already given.
    assert receipt_code_for(proposal_id, KEY) == "YS99MZQT"


def test_receipt_codes_use_only_the_alphabet_at_eight_characters_and_match_in_any_case() -> None:
    codes = {receipt_code_for(uuid.UUID(int=n), KEY) for n in range(2000)}

    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= ALPHABET for code in codes)
    for position in range(8):
        assert {code[position] for code in codes} == ALPHABET  # every symbol, everywhere
    code = codes.pop()
    assert receipt_hash(code.lower()) == receipt_hash(f" {code} ")


def test_every_new_proposal_gets_the_code_derived_from_its_id() -> None:
    fields = {"nik": "1571014501900001", "kk": "1571010101200001", "name": "Siti Aminah",
              "sex": "P", "birth_date": "1990-01-05", "kelurahan": "1571011001",
              "source": "kelurahan"}  # fmt: skip
    proposal = validate_proposal(fields, strict=True)
    assert isinstance(proposal, Proposal)

    new = new_proposal(
        proposal,
        proposed_by="kelurahan-a",
        pseudonym_key="shared-pseudonym-key",
        receipt_key=KEY,
        import_line=2,
    )

    assert new.receipt_code == receipt_code_for(new.proposal_id, KEY)
    # the pseudonym key, which every service holds, does not give the code away
    assert new.receipt_code != receipt_code_for(new.proposal_id, "shared-pseudonym-key")


def test_only_a_derived_code_can_be_given_back_from_its_stored_hash() -> None:
    proposal_id = uuid.uuid4()
    derived = receipt_code_for(proposal_id, KEY)

    assert issued_receipt_code(proposal_id, receipt_hash(derived), KEY) == derived
    # A code drawn at random before codes were derived: checkable, not recoverable.
    assert issued_receipt_code(proposal_id, receipt_hash("ABCDEFGH"), KEY) is None
    assert issued_receipt_code(proposal_id, receipt_hash(derived), "rotated-key") is None


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


def check_header(path: Path) -> list[str]:
    """The rules of the file's header problems (an upload's line-1 errors), if any."""
    try:
        scan_file(path)
    except NotReadable as exc:
        return [e.rule for e in exc.errors]
    return []


def test_an_upload_header_is_checked_before_the_import_starts() -> None:
    good = _file("\ufeffNIK;KK;Name;Sex;Birth Date;Kelurahan;Source\r\n")
    bad = _file("nik,kk\n")
    latin1 = _file("nik;kk;name;sex;birth_date;kelurahan;source;alamat\xe9\n".encode("latin-1"))

    assert check_header(good) == []
    assert set(check_header(bad)) == {"MISSING_COLUMN"}
    assert check_header(latin1) == ["ENCODING"]
    for path in (good, bad, latin1):
        path.unlink()
