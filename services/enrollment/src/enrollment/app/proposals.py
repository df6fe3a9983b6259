"""Intake of one proposal: strict checks, exact-NIK dedup, the row and its event together."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Mapping
from typing import Any

from jkn_bus import UnitOfWork
from jkn_bus.personal_data import Dek
from jkn_contracts import Actor, ParticipantRegistered, participant_id_for
from jkn_contracts.events import RegisteredPayload

from enrollment.app.ports import NewProposal, ProposalStore
from enrollment.domain import FieldError, Proposal
from enrollment.settings import sealer

__all__ = [
    "DuplicateProposal",
    "NewProposal",
    "issued_receipt_code",
    "new_proposal",
    "propose",
    "read_form",
    "receipt_code_for",
    "receipt_hash",
    "registered_event",
]

# No 0/O, 1/I: the resident copies the code from paper or a phone screen.
_RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_RECEIPT_LENGTH = 8  # 32^8 ≈ 10^12 guesses, on top of an unguessable proposal id
_RECEIPT_LABEL = b"jkn-daerah/receipt-code/v1"


class DuplicateProposal(Exception):
    """The resident (same NIK) has an open proposal (pending or active); ``proposal_id``
    is that proposal. A rejected, refused or deactivated proposal does not count."""

    def __init__(self, proposal_id: uuid.UUID | None) -> None:
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


def receipt_hash(code: str) -> bytes:
    """What is stored of a receipt code: enough to check it, not to show it."""
    return hashlib.sha256(code.strip().upper().encode()).digest()


def receipt_code_for(proposal_id: uuid.UUID, key: str) -> str:
    """The receipt code of a proposal, derived from its id so the service can hand it out
    again (an import's receipts download) while storing only its hash.

    HMAC-SHA256 keyed by Dinas Sosial's own secret (``ENROLLMENT_RECEIPT_KEY``, see
    ``enrollment.settings``; not the pseudonym key, which every service holds) over the label
    ``jkn-daerah/receipt-code/v1`` and the id's 16 bytes. Proposal ids travel in events, so
    whoever holds the key can derive any code: the key must stay as secret as the codes.

    The MAC, read as a big-endian number, gives the code's 8 base-32 digits (its lowest
    40 bits): 32 is a power of two, so each character is exactly 5 bits of the MAC and
    every symbol is equally likely; no modulo bias. (Another alphabet size would leave a
    bias below size^8 / 2^256, still nothing to worry about.) Changing the label, key or
    mapping changes every new code; codes already issued keep working (their hash is what
    is checked) but the receipts download can no longer give them back.
    """
    mac = hmac.new(key.encode(), _RECEIPT_LABEL + proposal_id.bytes, hashlib.sha256).digest()
    n = int.from_bytes(mac, "big")
    code = []
    for _ in range(_RECEIPT_LENGTH):
        n, i = divmod(n, len(_RECEIPT_ALPHABET))
        code.append(_RECEIPT_ALPHABET[i])
    return "".join(code)


def issued_receipt_code(proposal_id: uuid.UUID, stored_hash: bytes, key: str) -> str | None:
    """The receipt code the proposal was given, when it is the derived one. None for a
    code that cannot be recovered: drawn at random (proposals made before codes were
    derived) or derived under another key."""
    code = receipt_code_for(proposal_id, key)
    return code if hmac.compare_digest(receipt_hash(code), stored_hash) else None


def new_proposal(
    proposal: Proposal,
    *,
    proposed_by: str,
    pseudonym_key: str,
    receipt_key: str,
    import_id: uuid.UUID | None = None,
    import_line: int | None = None,
    actor: Actor | None = None,
) -> NewProposal:
    """Give a valid proposal its ids: proposal, participant pseudonym, journey, receipt;
    and who proposed it (``actor``: the authenticated caller, kept with the row)."""
    proposal_id = uuid.uuid4()
    return NewProposal(
        proposal=proposal,
        proposal_id=proposal_id,
        participant_id=participant_id_for(proposal.nik, pseudonym_key),
        correlation_id=uuid.uuid4(),
        receipt_code=receipt_code_for(proposal_id, receipt_key),
        proposed_by=proposed_by,
        import_id=import_id,
        import_line=import_line,
        actor=actor,
    )


async def registered_event(
    uow: UnitOfWork,
    new: NewProposal,
    *,
    causation_id: uuid.UUID | None = None,
    dek: Dek | None = None,
) -> ParticipantRegistered:
    """The proposal's fact, the resident's personal fields sealed under their own key: the
    one ``insert_many`` created (or found) for the proposal's row in this transaction,
    ``dek`` when the caller holds it, else read again here. ``causation_id``: the record
    that carried the command, when it came on the bus (an agency system's submission); a
    caller's HTTP command has none."""
    p = new.proposal
    _, personal = await sealer().seal(
        uow.conn,
        ParticipantRegistered,
        new.participant_id,
        p.resident(),
        event_id=new.event_id,
        dek=dek,
    )
    return ParticipantRegistered(
        event_id=new.event_id,
        participant_id=new.participant_id,
        correlation_id=new.correlation_id,
        causation_id=causation_id,
        actor=new.actor,
        payload=RegisteredPayload(
            proposal_id=new.proposal_id,
            source=p.source,
            personal=personal,
            welfare_decile=p.welfare_decile,
            proposed_by=new.proposed_by,
            nik_warnings=p.nik_warnings,
        ),
    )


async def propose(
    uow: UnitOfWork,
    new: NewProposal,
    *,
    store: ProposalStore,
    causation_id: uuid.UUID | None = None,
) -> None:
    """Store the proposal and publish ParticipantRegistered, or raise DuplicateProposal."""
    if not await store.insert_many(uow.conn, [new]):
        existing = await store.existing_ids(uow.conn, [new.participant_id])
        # None only if that open proposal was closed in between: proposing again works
        raise DuplicateProposal(existing.get(new.participant_id))
    await uow.emit(await registered_event(uow, new, causation_id=causation_id))
