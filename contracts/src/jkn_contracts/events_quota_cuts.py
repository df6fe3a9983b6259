"""Dinas Kesehatan's decision on a quota cut (verification; re-exported by
``jkn_contracts.events``).

Lowering a budget year's quota is an act with mass effect: one Dinkes verifier asks for it
(the maker, kept with the pending cut and named here), a second one approves it, or any
verifier rejects it (maker-checker, docs/domain.md). An approved cut is also stated as the
QuotaChanged that applies it (the approver as its actor, caused by this decision). Counts
only, never a resident.
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Actor, Agency, AgencyAct
from jkn_contracts.events_fields import Payload

__all__ = ["QuotaCutApproved", "QuotaCutDecidedPayload", "QuotaCutRejected"]


class QuotaCutDecidedPayload(Payload):
    cut_id: uuid.UUID = Field(description="The pending quota cut: correlation_id of its decision.")
    budget_year: int = Field(ge=2000, le=2100, description="The budget year whose quota it cuts.")
    previous_total: int = Field(ge=0, description="Slots funded when the cut was asked for.")
    total: int = Field(ge=0, description="Slots funded once the cut is applied.")
    requested_by: Actor = Field(
        description="Who asked for the cut (the maker); ``actor`` is who decided (the checker)."
    )


class QuotaCutApproved(AgencyAct):
    """A second Dinkes verifier (``actor``, never the maker) approved a quota cut: it is
    applied in the same transaction (QuotaChanged, caused by this event). Keyed
    ``quota:<budget_year>``."""

    event_type: Literal["QuotaCutApproved"] = "QuotaCutApproved"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: QuotaCutDecidedPayload

    key_description: ClassVar[str] = "quota:<budget_year>: one budget year's changes in order."

    def record_key(self) -> str:
        return f"quota:{self.payload.budget_year}"


class QuotaCutRejected(AgencyAct):
    """A Dinkes verifier (``actor``, the maker too) discarded a quota cut: the quota stays.
    Keyed ``quota:<budget_year>``."""

    event_type: Literal["QuotaCutRejected"] = "QuotaCutRejected"
    producer: Literal[Agency.DINKES] = Agency.DINKES
    payload: QuotaCutDecidedPayload

    key_description: ClassVar[str] = "quota:<budget_year>: one budget year's changes in order."

    def record_key(self) -> str:
        return f"quota:{self.payload.budget_year}"
