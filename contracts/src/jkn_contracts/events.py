"""The domain events of jkn-daerah.

Each class is one fact. Its ``event_type`` is its name; its ``producer`` is fixed to the
agency that owns the fact (jurisdiction: no other service may state it). A resident's
personal fields never travel in clear: an event that needs them carries them sealed in one
``personal`` blob (``jkn_contracts.personal.Protected``, marked ``x-jkn-personal-data`` in
its schema), and only the fields its consumers need (``contracts/personal-data.md``). The
events that carried them in clear are version 2 (their version 1 reads on in
``jkn_contracts.legacy``).
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from jkn_contracts.envelope import Actor, Agency, AgencyAct, ResidentEvent
from jkn_contracts.personal import Protected, needed_fields, personal_field

__all__ = [
    "TRACKING_NUMBER_PATTERN",
    "AccessRequestAnswered",
    "AccessRequestAnsweredPayload",
    "AccessRequester",
    "CoverageCheckRequested",
    "CoverageReported",
    "DeactivationReason",
    "DeactivationRequested",
    "ErasureGround",
    "FeedbackAnswered",
    "FeedbackRerouted",
    "ImportApproved",
    "ImportRejected",
    "Membership",
    "NotificationSent",
    "ParticipantActivated",
    "ParticipantDeactivated",
    "ParticipantRegistered",
    "ParticipantVerified",
    "ParticipantWaitlisted",
    "PesertaStatusChanged",
    "PesertaSyncRequested",
    "ProposalSource",
    "QuotaChanged",
    "ReconciliationRunApproved",
    "ReconciliationRunPreviewed",
    "ReconciliationRunRejected",
    "RegistrationRefused",
    "RejectionReason",
    "Resident",
    "ResidentDataErased",
    "SealedCoverageCheck",
    "SealedRegistration",
    "SealedVerification",
    "SlotReleased",
    "VerificationRejected",
]

Nik = Annotated[
    str, Field(pattern=r"^\d{16}$", description="NIK: 16-digit national id (personal data).")
]
Kk = Annotated[
    str, Field(pattern=r"^\d{16}$", description="KK: 16-digit family card number (personal data).")
]
NoKartu = Annotated[str, Field(pattern=r"^\d{13}$", description="BPJS card number (13 digits).")]
KelurahanCode = Annotated[
    str, Field(pattern=r"^\d{10}$", description="Kemendagri code of the kelurahan (10 digits).")
]


class _Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


class Resident(_Payload):
    """Who the resident is, as proposed (Dinas Sosial's record). Personal data: never
    logged or traced, and on the bus only sealed, only the fields a consumer needs."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"] = Field(description="L = laki-laki (male), P = perempuan (female).")
    birth_date: date
    kelurahan: KelurahanCode
    address: str = Field("", max_length=300)
    phone: str | None = Field(
        None, pattern=r"^\+?\d{8,15}$", description="For SMS/WhatsApp notices."
    )
    email: str | None = Field(None, max_length=200)


class SealedRegistration(_Payload):
    """The personal fields sealed in a ParticipantRegistered (its consumers' needs)."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"]
    birth_date: date
    kelurahan: KelurahanCode
    phone: str | None = Field(None, pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(None, max_length=200)


class SealedVerification(_Payload):
    """The personal fields sealed in a ParticipantVerified (the gateway's and notifications')."""

    nik: Nik
    kk: Kk
    name: str = Field(min_length=1, max_length=200)
    sex: Literal["L", "P"]
    birth_date: date
    phone: str | None = Field(None, pattern=r"^\+?\d{8,15}$")
    email: str | None = Field(None, max_length=200)


class SealedCoverageCheck(_Payload):
    """The personal field sealed in a CoverageCheckRequested: the NIK BPJS is asked about."""

    nik: Nik


def _version_2() -> Any:
    return Field(2, ge=2, le=2, description="Version 2: personal fields sealed in `personal`.")


class ProposalSource(StrEnum):
    DTKS = "dtks"  # from the social-welfare registry (DTKS/DTSEN)
    KELURAHAN = "kelurahan"  # proposed by a kelurahan officer
    WALK_IN = "walk_in"  # a resident who came to the office
    REGISTRY_REFILL = "registry_refill"  # chosen from the registry to refill freed quota


# --- Dinas Sosial (enrollment) -------------------------------------------------------------


class RegisteredPayload(_Payload):
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
    schema_version: int = _version_2()
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: RegisteredPayload

    sealed: ClassVar[type[_Payload]] = SealedRegistration


class DeactivationReason(StrEnum):
    MENINGGAL = "meninggal"  # dead
    PINDAH = "pindah"  # moved out of the city
    GANDA = "ganda"  # duplicate record
    TIDAK_DITEMUKAN = "tidak_ditemukan"  # not found (at the address / in the registry)
    MAMPU = "mampu"  # no longer poor
    PINDAH_SEGMEN = "pindah_segmen"  # covered by another segment at BPJS (e.g. PPU)


class DeactivationRequestedPayload(_Payload):
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


class ResidentDataErasedPayload(_Payload):
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


class AccessRequestAnsweredPayload(_Payload):
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


class ReconciliationRunPreviewedPayload(_Payload):
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


class ReconciliationRunDecidedPayload(_Payload):
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


class ImportDecidedPayload(_Payload):
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


# --- Dinas Kesehatan (verification) -------------------------------------------------------


class RejectionReason(_Payload):
    code: str = Field(pattern=r"^[A-Z_]+$", description="Machine-readable reason code.")
    message: str = Field(description="The reason in Bahasa Indonesia, for the resident.")


class CoverageCheckRequestedPayload(_Payload):
    """The NIK, sealed: the gateway needs it for the BPJS look-up."""

    personal: Protected = personal_field(
        needed_fields("CoverageCheckRequested"),
        "The NIK to look up (SealedCoverageCheck), sealed for this event.",
    )
    check_date: date


class CoverageCheckRequested(ResidentEvent):
    """Dinkes asks (through the gateway) whether BPJS already covers this resident."""

    event_type: Literal["CoverageCheckRequested"] = "CoverageCheckRequested"
    schema_version: int = _version_2()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: CoverageCheckRequestedPayload

    sealed: ClassVar[type[_Payload]] = SealedCoverageCheck


class VerifiedPayload(_Payload):
    proposal_id: uuid.UUID
    personal: Protected = personal_field(
        needed_fields("ParticipantVerified"),
        "The resident's personal fields (SealedVerification), sealed for this event.",
    )
    budget_year: int
    admitted_from_waitlist: bool = False
    uhc_priority: bool = Field(
        False, description="The city is a UHC priority city (same-day start)."
    )


class ParticipantVerified(ResidentEvent):
    """Dinkes finds the proposal valid and funds it from the quota."""

    event_type: Literal["ParticipantVerified"] = "ParticipantVerified"
    schema_version: int = _version_2()
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: VerifiedPayload

    sealed: ClassVar[type[_Payload]] = SealedVerification


class RejectedPayload(_Payload):
    proposal_id: uuid.UUID
    reasons: list[RejectionReason] = Field(min_length=1)


class VerificationRejected(ResidentEvent):
    """Dinkes rejects the proposal, with reason codes and messages in Bahasa Indonesia."""

    event_type: Literal["VerificationRejected"] = "VerificationRejected"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: RejectedPayload


class WaitlistedPayload(_Payload):
    proposal_id: uuid.UUID
    position: int = Field(ge=1, description="Position on the waiting list when it was joined.")
    welfare_decile: int | None = Field(None, ge=1, le=10)


class ParticipantWaitlisted(ResidentEvent):
    """Valid, but the quota is used up: the proposal waits for a free slot."""

    event_type: Literal["ParticipantWaitlisted"] = "ParticipantWaitlisted"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: WaitlistedPayload


class SlotReleasedPayload(_Payload):
    reason: DeactivationReason
    quota_used: int = Field(ge=0)
    quota_total: int = Field(ge=0)


class SlotReleased(ResidentEvent):
    """Dinkes releases a participant's quota slot after a deactivation request."""

    event_type: Literal["SlotReleased"] = "SlotReleased"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: SlotReleasedPayload


class QuotaChangedPayload(_Payload):
    budget_year: int = Field(ge=2000, le=2100, description="The budget year the quota funds.")
    previous_total: int | None = Field(
        ge=0, description="Slots funded before; null when the year had no quota yet."
    )
    total: int = Field(ge=0, description="Slots funded from now on.")
    used: int = Field(ge=0, description="Slots held by participants when it was set.")
    admitted_from_waitlist: int = Field(
        0, ge=0, description="Waiting proposals funded at once by the new room."
    )


class QuotaChanged(AgencyAct):
    """Dinkes sets a budget year's quota (old and new total): an act, not about a resident.

    Keyed ``quota:<budget_year>``: one year's changes are serialised by its quota row and
    read in order. Residents it admits from the waiting list are ParticipantVerified facts
    whose causation_id is this event."""

    event_type: Literal["QuotaChanged"] = "QuotaChanged"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: QuotaChangedPayload

    key_description: ClassVar[str] = "quota:<budget_year>: one budget year's changes in order."

    def record_key(self) -> str:
        return f"quota:{self.payload.budget_year}"


# --- BPJS Kesehatan, through the gateway ----------------------------------------------------


class Membership(_Payload):
    """One participation found at BPJS (from a VClaim peserta look-up)."""

    no_kartu: NoKartu
    jenis_peserta_kode: str = Field(description="BPJS segment code, e.g. 21 PBI (APBN), 13 PPU.")
    jenis_peserta: str
    status_kode: str = Field(description="BPJS status code, e.g. 0 AKTIF, 2 Meninggal.")
    status: str


class CoverageReportedPayload(_Payload):
    check_date: date
    membership: Membership | None = Field(description="null when BPJS knows no such NIK.")


class CoverageReported(ResidentEvent):
    """The answer to a CoverageCheckRequested (causation_id points to the request)."""

    event_type: Literal["CoverageReported"] = "CoverageReported"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: CoverageReportedPayload


class ActivatedPayload(_Payload):
    proposal_id: uuid.UUID
    no_kartu: NoKartu
    kd_provider: str = Field(pattern=r"^[0-9A-Z]{8}$", description="Primary clinic (FKTP) code.")
    nm_provider: str
    kelas: str = Field("3", description="hakKelas kode: 3 = KELAS III for PBI.")
    effective_date: date = Field(description="tglTMT: the day coverage starts.")


class ParticipantActivated(ResidentEvent):
    """BPJS registered the resident as PBI APBD: a card number and a primary clinic."""

    event_type: Literal["ParticipantActivated"] = "ParticipantActivated"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: ActivatedPayload


class RefusedPayload(_Payload):
    proposal_id: uuid.UUID | None = None
    mutation: Literal["tambah", "kurang", "ubah"]
    bpjs_code: str
    bpjs_message: str


class RegistrationRefused(ResidentEvent):
    """BPJS refused a mutation (metaData.code 201 or a permanent failure)."""

    event_type: Literal["RegistrationRefused"] = "RegistrationRefused"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: RefusedPayload


class DeactivatedPayload(_Payload):
    no_kartu: NoKartu
    reason: DeactivationReason
    effective_date: date = Field(description="tglTAT: the last day of coverage is the day before.")


class ParticipantDeactivated(ResidentEvent):
    """BPJS accepted the kurang mutation: coverage ends on effective_date."""

    event_type: Literal["ParticipantDeactivated"] = "ParticipantDeactivated"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: DeactivatedPayload


class PesertaStatusChangedPayload(_Payload):
    previous: Membership
    current: Membership


class PesertaStatusChanged(ResidentEvent):
    """The periodic peserta sync found a change made on the BPJS side (death, new segment)."""

    event_type: Literal["PesertaStatusChanged"] = "PesertaStatusChanged"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: PesertaStatusChangedPayload


class PesertaSyncRequestedPayload(_Payload):
    run_id: uuid.UUID = Field(
        description="The sync pass asked for: the correlation_id of every change it finds."
    )


class PesertaSyncRequested(AgencyAct):
    """Someone asked for a peserta sync pass by hand (who: ``actor``; when: ``occurred_at``).

    The PesertaStatusChanged facts the pass finds carry the same actor, correlation_id =
    ``run_id`` and causation_id = this event. Passes the gateway runs on its own timer are
    not requested by anyone and state no such fact. Keyed ``sync``."""

    event_type: Literal["PesertaSyncRequested"] = "PesertaSyncRequested"
    producer: Literal[Agency.BPJS_GATEWAY] = Agency.BPJS_GATEWAY
    payload: PesertaSyncRequestedPayload

    key_description: ClassVar[str] = "sync: every requested pass on one partition, in order."

    def record_key(self) -> str:
        return "sync"


# --- Notifications -----------------------------------------------------------------------------


class NotificationSentPayload(_Payload):
    message_id: uuid.UUID
    channel: Literal["sms", "whatsapp", "email", "dev_sink"]
    template: str
    about_event_type: str
    status: Literal["sent", "failed"]


class NotificationSent(ResidentEvent):
    """A resident or agency was told something (the text itself stays in notifications)."""

    event_type: Literal["NotificationSent"] = "NotificationSent"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: NotificationSentPayload


# The feedback channel. Its texts (the sender's message, the answer, a reroute's reason)
# and the sender's contact details never leave notifications: these facts say who acted on
# which item, and when.

TRACKING_NUMBER_PATTERN = r"^(ADU|TNY|MSK)-[0-9]{4}-[0-9]{6,}$"
TrackingNumber = Annotated[
    str,
    Field(
        pattern=TRACKING_NUMBER_PATTERN,
        description="A feedback item's tracking number (no secret: agencies' queues list it).",
        examples=["ADU-2026-000042"],
    ),
]
FeedbackKind = Literal["pertanyaan", "pengaduan", "masukan"]
FeedbackAgency = Literal["dinsos", "dinkes", "bpjs-gateway"]


class FeedbackAnsweredPayload(_Payload):
    tracking_number: TrackingNumber
    kind: FeedbackKind
    agency: FeedbackAgency = Field(description="The agency in charge, which answered.")
    due_date: date = Field(description="The answer's deadline (WIB calendar day).")
    overdue: bool = Field(description="Answered after the due date.")


class FeedbackAnswered(AgencyAct):
    """The agency in charge answered a feedback item (never the text: it stays with the
    item). Keyed by the tracking number: one item's acts in order."""

    event_type: Literal["FeedbackAnswered"] = "FeedbackAnswered"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: FeedbackAnsweredPayload

    key_description: ClassVar[str] = "the tracking number: one feedback item's acts in order."

    def record_key(self) -> str:
        return self.payload.tracking_number


class FeedbackReroutedPayload(_Payload):
    tracking_number: TrackingNumber
    kind: FeedbackKind
    agency: FeedbackAgency = Field(description="The agency that held the item and handed it on.")
    to_agency: FeedbackAgency = Field(description="The agency in charge from now on.")
    due_date: date = Field(description="The deadline, kept across the reroute.")


class FeedbackRerouted(AgencyAct):
    """The agency holding a misrouted feedback item handed it to the one in charge (the
    reason given stays with the item). Keyed by the tracking number."""

    event_type: Literal["FeedbackRerouted"] = "FeedbackRerouted"
    producer: Literal[Agency.NOTIFICATIONS] = Agency.NOTIFICATIONS
    payload: FeedbackReroutedPayload

    key_description: ClassVar[str] = "the tracking number: one feedback item's acts in order."

    def record_key(self) -> str:
        return self.payload.tracking_number
