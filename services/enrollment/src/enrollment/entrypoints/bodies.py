"""What Dinas Sosial's routes take as a body, for the OpenAPI document (``openapi_extra``).

The routes read their bodies themselves (every field's problem in one 422; uploads
streamed to disk), so FastAPI cannot describe them; the agencies' systems integrate from
``/openapi.json``, so these do (``jkn_bus.request_bodies``). The readers stay the judges
of what is valid: ``app.proposals.read_form``, ``domain.csv_import`` and the rules.
"""

from __future__ import annotations

from typing import Literal

from jkn_bus.request_bodies import csv_upload, json_body
from jkn_contracts.submissions import FindingRow, ProposalForm
from pydantic import BaseModel, ConfigDict, Field

from enrollment.domain import ALL_FIELDS, FINDING_FIELDS
from enrollment.domain.snapshot import SNAPSHOT_FIELDS

__all__ = ["ACCESS_FORM", "FINDINGS_CSV", "PROPOSALS_CSV", "PROPOSAL_FORM", "SNAPSHOT_CSV"]


class AccessRequestForm(BaseModel):
    """A resident asks what Dinas Sosial holds about them (``app.access.read_access_form``):
    the receipt code of one of their proposals and what proves it is theirs."""

    model_config = ConfigDict(extra="forbid")

    receipt_code: str = Field(pattern=r"^[A-Za-z0-9]{4,32}$", description="From the receipt.")
    nik: str = Field(pattern=r"^[0-9]{16}$", description="The resident's NIK.")
    birth_date: str = Field(description="YYYY-MM-DD, as on the proposal.")
    lang: Literal["id", "en"] | None = Field(None, description="Default: Accept-Language.")


PROPOSAL_FORM = json_body(
    ProposalForm, description="One resident proposed; values as text, as a form gives them."
)
ACCESS_FORM = json_body(AccessRequestForm)
PROPOSALS_CSV = csv_upload(
    ALL_FIELDS,
    description="Proposals, one resident per row (the columns of POST /proposals' body; "
    "address, phone, email and welfare_decile optional).",
)
FINDINGS_CSV = csv_upload(
    FINDING_FIELDS,
    description=f"A kelurahan's findings, one participant per row ({FindingRow.__name__} "
    "of the inbound topic's FindingSubmitted, as a file).",
)
SNAPSHOT_CSV = csv_upload(
    SNAPSHOT_FIELDS, description="A DTKS/DTSEN registry snapshot, one resident per row."
)
