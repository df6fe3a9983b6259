"""Dinas Sosial's decision on a refill batch (enrollment; re-exported by
``jkn_contracts.events``).

A snapshot's refill candidates are proposed in batches, and a batch is an act with mass
effect: one officer asks for it (the maker, kept with the batch), a second Dinsos officer
approves or rejects it (maker-checker, docs/domain.md). Counts only, never a resident: the
residents are named by the ParticipantRegistered facts that follow an approval (source
``registry_refill``, the maker as their actor, caused by the approval).
"""

from __future__ import annotations

import uuid
from typing import ClassVar, Literal

from pydantic import Field

from jkn_contracts.envelope import Actor, Agency, AgencyAct
from jkn_contracts.events_fields import Payload

__all__ = ["RefillBatchApproved", "RefillBatchDecidedPayload", "RefillBatchRejected"]


class RefillBatchDecidedPayload(Payload):
    batch_id: uuid.UUID = Field(description="The refill batch: correlation_id of its decision.")
    run_id: uuid.UUID = Field(description="The approved snapshot run whose candidates it holds.")
    residents: int = Field(ge=0, description="Candidates in the batch (its preview).")
    proposed: int = Field(
        ge=0,
        description="Of them, proposed by this decision (0 when rejected; fewer than "
        "``residents`` when some were proposed meanwhile by other means).",
    )
    requested_by: Actor | None = Field(
        description="Who asked for the batch (the maker); ``actor`` is who decided (the checker)."
    )


class RefillBatchApproved(AgencyAct):
    """A second Dinsos officer (``actor``, never the maker) approved a refill batch: its
    residents are proposed (ParticipantRegistered, source registry_refill). Keyed
    ``refill:<batch_id>``."""

    event_type: Literal["RefillBatchApproved"] = "RefillBatchApproved"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: RefillBatchDecidedPayload

    key_description: ClassVar[str] = "refill:<batch_id>: one refill batch's decision."

    def record_key(self) -> str:
        return f"refill:{self.payload.batch_id}"


class RefillBatchRejected(AgencyAct):
    """A Dinsos officer (``actor``) discarded a refill batch: none of it is proposed, and its
    candidates may be asked for again. Keyed ``refill:<batch_id>``."""

    event_type: Literal["RefillBatchRejected"] = "RefillBatchRejected"
    producer: Literal[Agency.DINSOS] = Agency.DINSOS
    payload: RefillBatchDecidedPayload

    key_description: ClassVar[str] = "refill:<batch_id>: one refill batch's decision."

    def record_key(self) -> str:
        return f"refill:{self.payload.batch_id}"
