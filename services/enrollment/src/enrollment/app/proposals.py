"""Intake of one proposal: strict checks, exact-NIK dedup, the row and its event together."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from jkn_bus import UnitOfWork
from jkn_contracts import ParticipantRegistered, participant_id_for
from jkn_contracts.events import RegisteredPayload

from enrollment.adapters.proposals import NewProposal, existing_ids, insert_many
from enrollment.domain import FieldError, Proposal

__all__ = ["DuplicateProposal", "new_proposal", "propose", "read_form", "registered_event"]

# No 0/O, 1/I: the resident copies the code from paper or a phone screen.
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECEIPT_LENGTH = 8  # 32^8 ≈ 10^12 guesses, on top of an unguessable proposal id


class DuplicateProposal(Exception):
    """The resident (same NIK) is already proposed; ``proposal_id`` is that proposal."""

    def __init__(self, proposal_id: uuid.UUID) -> None:
        super().__init__(f"already proposed as {proposal_id}")
        self.proposal_id = proposal_id


def read_form(body: Any) -> tuple[dict[str, str], str | None, list[FieldError]]:
    """Split a JSON form into the proposal's fields (as text) and ``proposed_by``.

    Values are turned into text the way a CSV cell is, so one validator serves both.
    """
    if not isinstance(body, Mapping):
        return (
            {},
            None,
            [
                FieldError(
                    "body",
                    "JSON_OBJECT",
                    "The body must be a JSON object. / Isi permintaan harus berupa objek JSON.",
                )
            ],
        )
    errors: list[FieldError] = []
    fields: dict[str, str] = {}
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, dict | list | bool):
            errors.append(
                FieldError(
                    str(name),
                    "TYPE",
                    f"'{name}' must be text or a number. / '{name}' harus berupa teks atau angka.",
                )
            )
            continue
        fields[str(name)] = str(value)
    proposed_by = " ".join(fields.pop("proposed_by", "").split())
    if not proposed_by or len(proposed_by) > 100:
        errors.append(
            FieldError(
                "proposed_by",
                "REQUIRED",
                "'proposed_by' (1-100 characters) is "
                "required. / 'proposed_by' (1-100 karakter) wajib diisi.",
            )
        )
        proposed_by = ""
    return fields, proposed_by or None, errors


def new_receipt_code() -> str:
    return "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(_RECEIPT_LENGTH))


def new_proposal(
    proposal: Proposal,
    *,
    proposed_by: str,
    pseudonym_key: str,
    import_id: uuid.UUID | None = None,
    import_line: int | None = None,
) -> NewProposal:
    """Give a valid proposal its ids: proposal, participant pseudonym, journey, receipt."""
    return NewProposal(
        proposal=proposal,
        proposal_id=uuid.uuid4(),
        participant_id=participant_id_for(proposal.nik, pseudonym_key),
        correlation_id=uuid.uuid4(),
        receipt_code=new_receipt_code(),
        proposed_by=proposed_by,
        import_id=import_id,
        import_line=import_line,
    )


def registered_event(new: NewProposal) -> ParticipantRegistered:
    p = new.proposal
    return ParticipantRegistered(
        event_id=new.event_id,
        participant_id=new.participant_id,
        correlation_id=new.correlation_id,
        payload=RegisteredPayload(
            proposal_id=new.proposal_id,
            source=p.source,
            resident=p.resident(),
            welfare_decile=p.welfare_decile,
            proposed_by=new.proposed_by,
            nik_warnings=p.nik_warnings,
        ),
    )


async def propose(uow: UnitOfWork, new: NewProposal) -> None:
    """Store the proposal and publish ParticipantRegistered, or raise DuplicateProposal."""
    if not await insert_many(uow.conn, [new]):
        existing = await existing_ids(uow.conn, [new.participant_id])
        raise DuplicateProposal(existing[new.participant_id])
    await uow.emit(registered_event(new))
