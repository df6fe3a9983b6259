"""Dinas Sosial's facts (enrollment): proposals, deactivation requests, erasure, access,
and the maker-checker decisions on reconciliation runs and imports (``jkn_contracts.events``)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Actor, Agency, AgencyAct, ResidentEvent
from jkn_contracts.events_fields import (
    DeactivationReason,
    KelurahanCode,
    Payload,
    ProposalSource,
    SealedRegistration,
    version_2,
)
from jkn_contracts.personal import Protected, needed_fields, personal_field

__all__ = [
    "AccessRequestAnswered",
    "AccessRequestAnsweredPayload",
    "AccessRequester",
    "DeactivationRequested",
    "DeactivationRequestedPayload",
    "ErasureGround",
    "ImportApproved",
    "ImportDecidedPayload",
    "ImportRejected",
    "ParticipantRegistered",
    "ReconciliationRunApproved",
    "ReconciliationRunDecidedPayload",
    "ReconciliationRunPreviewed",
    "ReconciliationRunPreviewedPayload",
    "ReconciliationRunRejected",
    "RegisteredPayload",
    "ResidentDataErased",
    "ResidentDataErasedPayload",
    "RunKind",
]


# --- Dinas Sosial (enrollment) -------------------------------------------------------------


class RegisteredPayload(Payload):
    proposal_id: uuid.UUID
    source: ProposalSource
    personal: Protected = personal_field(
        needed_fields("ParticipantRegistered"),
        "The resident's personal fields (SealedRegistration), sealed for this event.",
    )
    welfare_decile: int | None = Field(
        None, ge=1, le=10, description="DTKS/DTSEN decile, if known."
    )
    proposed_by: str = Field(
        min_length=1, max_length=100, description="Officer or system that proposed."
    )
    nik_warnings: list[str] = Field(
        default_factory=list, description="Lenient-mode NIK findings kept for the verifier."
    )


class ParticipantRegistered(ResidentEvent):
    """Dinas Sosial proposes a resident for the city-paid program."""

    event_type: Literal["ParticipantRegistered"] = "ParticipantRegistered"
    schema_version: int = version_2()
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: RegisteredPayload

    sealed: ClassVar[type[Payload]] = SealedRegistration


class DeactivationRequestedPayload(Payload):
    reason: DeactivationReason
    evidence_ref: str = Field(min_length=1, max_length=200)
    reported_by: str = Field(min_length=1, max_length=100)
    kelurahan: KelurahanCode | None = None
    run_id: uuid.UUID | None = Field(None, description="Reconciliation run that found it, if any.")


class DeactivationRequested(ResidentEvent):
    """Dinas Sosial asks that a participant leave the program, with a reason and evidence."""

    event_type: Literal["DeactivationRequested"] = "DeactivationRequested"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: DeactivationRequestedPayload


class ErasureGround(StrEnum):
    RETENTION_OVER = "retention_over"  # the last proposal ended over the retention period ago
    NEVER_ENROLLED = "never_enrolled"  # never activated, and the proposal is over


class ResidentDataErasedPayload(Payload):
    ground: ErasureGround = Field(description="Why the erasure was allowed.")
    key_version: int | None = Field(
        None,
        ge=1,
        description="Version of the resident's data key destroyed now (null: none was live).",
    )


class ResidentDataErased(ResidentEvent):
    """Dinas Sosial (``actor``: the officer) erased a resident's personal data: their data
    key is destroyed (every sealed copy on the bus can no longer be opened) and Dinsos's own
    clear copies are blanked. Every service holding a clear copy blanks it on this fact;
    pseudonyms, statuses and decisions stay. No personal data."""

    event_type: Literal["ResidentDataErased"] = "ResidentDataErased"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    actor: Actor = Field(description="The Dinsos officer who erased the data.")
    payload: ResidentDataErasedPayload


class AccessRequester(StrEnum):
    RESIDENT = "resident"  # the resident themself: receipt code, NIK and birth date
    OFFICER = "officer"  # a Dinsos officer's export for the resident's written request


class AccessRequestAnsweredPayload(Payload):
    requested_by: AccessRequester = Field(description="Who asked for the access report.")
    decisions: int = Field(
        ge=0, description="How many facts of the audit trail the answer listed (complete)."
    )


class AccessRequestAnswered(ResidentEvent):
    """Dinas Sosial, the controller, answered a request to access a resident's personal
    data (UU 27/2022 PDP): what each agency holds about them and every decision from the
    audit trail, always complete. Asked by the resident themself (no ``actor``: they are
    the participant, named by their pseudonym) or exported by a Dinsos officer for a
    written request (``actor``: the officer). A record that the request was answered, so
    officers and auditors can see it: no personal data, not what the answer said."""

    event_type: Literal["AccessRequestAnswered"] = "AccessRequestAnswered"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: AccessRequestAnsweredPayload


# A reconciliation run (a kelurahan findings file, a DTKS/DTSEN snapshot) is first a
# preview: its upload is stated, and its DeactivationRequested facts are stated only once a
# second Dinsos officer approves it. These are acts about no single resident (the residents
# it would deactivate are named by the DeactivationRequested facts that follow an approval).

RunKind = Literal["findings", "snapshot"]


class ReconciliationRunPreviewedPayload(Payload):
    run_id: uuid.UUID = Field(description="The run: correlation_id of its later facts.")
    kind: RunKind
    rows_read: int = Field(ge=0, description="Data rows of the uploaded file.")
    deactivations: int = Field(ge=0, description="Participants it would deactivate.")
    by_reason: dict[DeactivationReason, int] = Field(
        default_factory=dict, description="Those deactivations by reason."
    )
    participants: int = Field(
        ge=0, description="Current participants when it was computed (the share's base)."
    )


class ReconciliationRunPreviewed(AgencyAct):
    """A reconciliation file was uploaded and its run computed and stored as a preview
    (who: ``actor``, the uploader). Nothing of it is applied until another Dinsos officer
    approves it. Keyed ``reconciliation:<run_id>``: one run's acts in order."""

    event_type: Literal["ReconciliationRunPreviewed"] = "ReconciliationRunPreviewed"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: ReconciliationRunPreviewedPayload

    key_description: ClassVar[str] = "reconciliation:<run_id>: one run's acts in order."

    def record_key(self) -> str:
        return f"reconciliation:{self.payload.run_id}"


class ReconciliationRunDecidedPayload(Payload):
    run_id: uuid.UUID
    kind: RunKind
    deactivations: int = Field(ge=0, description="Participants the run asks to deactivate.")
    uploaded_by: Actor | None = Field(
        description="Who uploaded the file (the maker); ``actor`` is who decided (the checker)."
    )


class ReconciliationRunApproved(AgencyAct):
    """A second Dinsos officer (``actor``, never the uploader) approved a previewed run: its
    DeactivationRequested facts follow, each with this event as its causation_id and the
    approver as its actor. Keyed ``reconciliation:<run_id>``."""

    event_type: Literal["ReconciliationRunApproved"] = "ReconciliationRunApproved"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: ReconciliationRunDecidedPayload

    key_description: ClassVar[str] = "reconciliation:<run_id>: one run's acts in order."

    def record_key(self) -> str:
        return f"reconciliation:{self.payload.run_id}"


class ReconciliationRunRejected(AgencyAct):
    """A Dinsos officer (``actor``) discarded a previewed run: nothing of it is applied.
    Keyed ``reconciliation:<run_id>``."""

    event_type: Literal["ReconciliationRunRejected"] = "ReconciliationRunRejected"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: ReconciliationRunDecidedPayload

    key_description: ClassVar[str] = "reconciliation:<run_id>: one run's acts in order."

    def record_key(self) -> str:
        return f"reconciliation:{self.payload.run_id}"


# A CSV import of proposals (DTKS candidates) is first a preview too: nothing of it is
# proposed until a second Dinsos officer approves it. Counts only, never a resident (the
# residents are named by the ParticipantRegistered facts that follow an approval).


class ImportDecidedPayload(Payload):
    import_id: uuid.UUID = Field(description="The import: correlation_id of its decision.")
    rows: int = Field(ge=0, description="Data rows of the uploaded file.")
    valid: int = Field(ge=0, description="Rows that validated (proposed once approved).")
    uploaded_by: Actor | None = Field(
        description="Who uploaded the file (the maker); ``actor`` is who decided (the checker)."
    )


class ImportApproved(AgencyAct):
    """A second Dinsos officer (``actor``, never the uploader) approved a previewed import:
    its proposals are made (ParticipantRegistered, the uploader as their actor). Keyed
    ``import:<import_id>``."""

    event_type: Literal["ImportApproved"] = "ImportApproved"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: ImportDecidedPayload

    key_description: ClassVar[str] = "import:<import_id>: one import's decision."

    def record_key(self) -> str:
        return f"import:{self.payload.import_id}"


class ImportRejected(AgencyAct):
    """A Dinsos officer (``actor``) discarded a previewed import: nothing of it is proposed.
    Keyed ``import:<import_id>``."""

    event_type: Literal["ImportRejected"] = "ImportRejected"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: ImportDecidedPayload

    key_description: ClassVar[str] = "import:<import_id>: one import's decision."

    def record_key(self) -> str:
        return f"import:{self.payload.import_id}"
