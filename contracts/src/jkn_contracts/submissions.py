"""What agencies' own systems submit on the bus, and the answers they get (version 1).

Not every user of the program calls HTTP: Dinas Sosial's welfare-data application (SIKS-NG)
and a kelurahan's system emit events too. They do not state facts — only the owning service
does that (enrollment, for Dinas Sosial) — they *submit*: a ``Submission`` is a command-like
record on the system's own inbound topic (``jkn_contracts.topics.INBOUND``), which only that
system's Kafka principal may write and only the owning service may read. The service checks
it by the same rules as the matching HTTP command, turns an accepted one into its own fact
(with the system as the fact's ``actor``), and answers every one on the system's reply topic:
``SubmissionAccepted`` or ``SubmissionRefused``, keyed by the sender's ``submission_id``.

- ``ProposalSubmitted`` (``jkn.dinsos.submissions``): the fields of ``POST /proposals``'s
  body. Accepted: a proposal and its ParticipantRegistered.
- ``FindingSubmitted`` (``jkn.kelurahan.<code>.submissions``): one row of a kelurahan findings
  file. Accepted: a deactivation request in the system's open reconciliation run, pending a
  Dinsos officer's approval (``run_id``, ``pending_approval``); its DeactivationRequested is
  stated when the run is approved, never if it is rejected.

The schemas check the *shape* (types, required fields, generous length bounds); the values
are checked by the owning service's rules, so a NIK that breaks a rule is answered with a
refusal naming the field and the rule, never dead-lettered. A record that does not fit the
schema is dead-lettered (no answer: it is the sender's defect, for the operator to see).

Personal data. A submission carries the resident's personal data because that is what is
submitted: the NIK is what is proposed (or reported), the rest of a proposal is what Dinas
Sosial keeps and Dinas Kesehatan verifies. It travels only on the inbound topic (the sender
and the owning service can read it), never in a key, a header or an answer. The
``submission_id`` is the sender's opaque correlation id and the key of its records and of
the answers: it must not contain the NIK or the KK (such a record is dead-lettered).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from jkn_contracts.envelope import Agency, EventBase, ParticipantId

__all__ = [
    "RECEIPT_CODE_PATTERN",
    "SUBMISSION_ID_PATTERN",
    "FindingRow",
    "FindingSubmitted",
    "ProposalForm",
    "ProposalSubmitted",
    "Refusal",
    "Submission",
    "SubmissionAccepted",
    "SubmissionAcceptedPayload",
    "SubmissionRefused",
    "SubmissionRefusedPayload",
    "SubmissionReply",
]

SUBMISSION_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"
RECEIPT_CODE_PATTERN = r"^[A-Z2-9]{8}$"

SubmissionId = Annotated[
    str,
    Field(
        pattern=SUBMISSION_ID_PATTERN,
        description="The sender's own id of the submission (opaque; 1-64 of A-Z a-z 0-9 . _ "
        ": -). The key of the submission's records and of the answer. Never personal data: "
        "a record whose submission_id contains the NIK or the KK is dead-lettered.",
        examples=["siks-2026-04-000123"],
    ),
]
SubmissionType = Literal["ProposalSubmitted", "FindingSubmitted"]
_KEY = "submission_id: the sender's own id, so one submission's records stay in order."


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Submission(BaseModel):
    """The envelope of a record an agency's system submits on its inbound topic.

    Who sent it is not a field: the topic says it (one writer per inbound topic, enforced
    by the broker's ACLs), so a sender cannot claim to be someone else.
    """

    # hide_input_in_errors: payloads carry personal data; a validation error must never
    # print them into a log or a dead-letter reason.
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    event_id: uuid.UUID = Field(
        description="A new UUID for every record the sender writes (required: the receiver "
        "applies a record once however often it is delivered, by this id; a record whose "
        "event_id was seen before is a redelivery and is not answered again)."
    )
    schema_version: int = Field(1, ge=1, description="Major version of this type's schema.")
    submission_id: SubmissionId
    submitted_at: AwareDatetime | None = Field(
        None, description="When the sender's system submitted it (for the sender's records)."
    )

    key_description: ClassVar[str] = _KEY

    def record_key(self) -> str:
        """The Kafka record key a sender uses: its own submission id."""
        return self.submission_id

    def personal_ids(self) -> tuple[str, ...]:
        """The personal identifiers in the payload, which the submission_id must not hold."""
        return ()

    @model_validator(mode="after")
    def _submission_id_is_not_personal(self) -> Submission:
        # (a value too short to be a NIK or KK, e.g. a wrong one, proves nothing either way)
        if any(len(pid) >= 10 and pid in self.submission_id for pid in self.personal_ids()):
            raise ValueError("submission_id must not contain the NIK or the KK")
        return self


# --- Dinas Sosial's welfare-data system (SIKS-NG) ---------------------------------------------


class ProposalForm(_Payload):
    """The body of ``POST /proposals`` (values as text, as a form or a CSV cell gives them).

    Personal data, all of it about the resident proposed: the NIK (what is proposed), the KK,
    name, sex and birth date (checked against the NIK), the kelurahan and address (residence),
    phone and e-mail (how the resident is told). Checked by enrollment's rules (strict NIK
    and KK structure, sex and birth date agreeing with the NIK, one open proposal per NIK).
    """

    nik: str = Field(max_length=64, description="NIK, 16 digits (checked strictly).")
    kk: str = Field(max_length=64, description="Family card number, 16 digits.")
    name: str = Field(max_length=400)
    sex: str = Field(max_length=16, description="L (laki-laki) or P (perempuan).")
    birth_date: str = Field(max_length=32, description="YYYY-MM-DD; must agree with the NIK.")
    kelurahan: str = Field(max_length=32, description="Kemendagri code of the kelurahan.")
    source: str = Field(max_length=32, description="dtks, kelurahan or walk_in.")
    proposed_by: str = Field(max_length=200, description="Officer or system proposing (1-100).")
    address: str | None = Field(None, max_length=600)
    phone: str | None = Field(None, max_length=64, description="For SMS/WhatsApp notices.")
    email: str | None = Field(None, max_length=400)
    welfare_decile: int | str | None = Field(None, description="DTKS/DTSEN decile, 1-10.")


class ProposalSubmitted(Submission):
    """Dinas Sosial's welfare-data system proposes one resident (as ``POST /proposals``)."""

    event_type: Literal["ProposalSubmitted"] = "ProposalSubmitted"
    payload: ProposalForm

    def personal_ids(self) -> tuple[str, ...]:
        return (self.payload.nik.strip(), self.payload.kk.strip())


# --- a kelurahan's system ---------------------------------------------------------------------


class FindingRow(_Payload):
    """One row of a kelurahan findings file (``POST /reconciliation/findings``).

    Personal data: the NIK, which says whom the finding is about (there is nothing else to
    find the participant by). The kelurahan must be the sender's own; the resident must be a
    current participant proposed in it.
    """

    nik: str = Field(max_length=64, description="NIK of the participant, 16 digits.")
    reason: str = Field(
        max_length=64, description="meninggal, pindah, ganda, tidak_ditemukan or mampu."
    )
    evidence_ref: str = Field(
        max_length=400, description="The evidence's reference (a certificate or letter number)."
    )
    officer: str = Field(max_length=200, description="The reporting officer (1-100).")
    kelurahan: str = Field(max_length=32, description="The sender's own kelurahan code.")


class FindingSubmitted(Submission):
    """A kelurahan's system reports one finding about a participant of its kelurahan."""

    event_type: Literal["FindingSubmitted"] = "FindingSubmitted"
    payload: FindingRow

    def personal_ids(self) -> tuple[str, ...]:
        return (self.payload.nik.strip(),)


# --- the answers (written by the owning service) ----------------------------------------------


class SubmissionReply(EventBase):
    """An answer to a submission, on the sender's reply topic, keyed by its submission_id.

    Stated by the owning service (``producer``), about no resident in its key or envelope
    (``participant_id`` is null); ``actor`` is the system that submitted, ``causation_id``
    the submission's ``event_id``. Never a NIK, a name or another submitted value."""

    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    participant_id: None = Field(None, description="Always null: the key is the submission.")
    payload: Any

    key_description: ClassVar[str] = (
        "submission_id: the sender's own id of the submission answered (never a NIK)."
    )

    def record_key(self) -> str:
        key: str = self.payload.submission_id
        return key


class SubmissionAcceptedPayload(_Payload):
    submission_id: SubmissionId
    submission_type: SubmissionType
    proposal_id: uuid.UUID | None = Field(
        None, description="The proposal made (ProposalSubmitted), or the one a finding is about."
    )
    participant_id: ParticipantId | None = Field(
        None, description="The resident's pseudonym (the key of the facts about them)."
    )
    receipt_code: str | None = Field(
        None,
        pattern=RECEIPT_CODE_PATTERN,
        description="ProposalSubmitted: the code the resident keeps to ask where their "
        "proposal stands (GET /proposals/{proposal_id}?receipt_code=), as POST /proposals "
        "answers it. Only the submitting system reads its reply topic.",
    )
    request_id: uuid.UUID | None = Field(
        None,
        description="FindingSubmitted: event_id of the DeactivationRequested, stated once "
        "its run is approved (pending_approval) or at once (answers from before runs).",
    )
    run_id: uuid.UUID | None = Field(
        None,
        description="FindingSubmitted: the reconciliation run the finding joined (the "
        "sending system's open run, GET /reconciliation/runs/{run_id}); a Dinsos officer "
        "approves or rejects it as a whole.",
    )
    pending_approval: bool = Field(
        False,
        description="True: nothing was applied yet; the finding waits in run_id for a Dinsos "
        "officer's approval (rejected: never applied). False: applied at once (a proposal).",
    )


class SubmissionAccepted(SubmissionReply):
    """The submission was accepted (what it created is named by id): a proposal is made at
    once; a finding waits in a reconciliation run for a Dinsos officer (``pending_approval``)."""

    event_type: Literal["SubmissionAccepted"] = "SubmissionAccepted"
    payload: SubmissionAcceptedPayload


class Refusal(_Payload):
    """Why a submission was refused: the field and the rule broken, never the value."""

    # no digits in either: a code can never carry a NIK, a date or a number submitted
    field: str = Field(
        pattern=r"^[a-z][a-z_]{0,39}$", description="The payload field, or submission_id."
    )
    rule: str = Field(pattern=r"^[A-Z][A-Z_]{0,63}$", description="Machine-readable rule.")


class SubmissionRefusedPayload(_Payload):
    submission_id: SubmissionId
    submission_type: SubmissionType
    reasons: list[Refusal] = Field(min_length=1)
    existing_proposal_id: uuid.UUID | None = Field(
        None, description="ALREADY_PROPOSED: the resident's open proposal (as HTTP's 409)."
    )


class SubmissionRefused(SubmissionReply):
    """The submission was refused; nothing was changed. Every problem is listed."""

    event_type: Literal["SubmissionRefused"] = "SubmissionRefused"
    payload: SubmissionRefusedPayload
