"""Where a proposal stands in the resident's journey, and which news may move it.

Dinas Sosial does not decide these steps; it follows them from Dinas Kesehatan's and
BPJS's events to answer the resident's status question. Those events come on two topics
that are read independently, so a late "checking" can arrive after "activated": a status
only moves forward, never back. Every event is still kept in the proposal's history.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CLOSED_STATUSES",
    "FINDINGS_STATUSES",
    "SNAPSHOT_STATUSES",
    "ProposalStatus",
    "advances",
]


class ProposalStatus(StrEnum):
    REGISTERED = "registered"  # proposed by Dinas Sosial
    CHECKING = "checking"  # Dinas Kesehatan asked BPJS whether the resident is covered
    WAITLISTED = "waitlisted"  # valid, waiting for a free quota slot
    VERIFIED = "verified"  # approved and funded; being registered at BPJS
    REJECTED = "rejected"  # not approved (reasons kept)
    ACTIVATED = "activated"  # BPJS gave a card number and a primary clinic
    REFUSED = "refused"  # BPJS refused the registration
    DEACTIVATED = "deactivated"  # coverage ended


# A proposal in these statuses is over: the resident may be proposed again (rule 6,
# docs/domain.md#rule-6: a duplicate is one of a *pending or active* enrollment). The partial unique
# index ``proposals_open_participant`` (migration 0004) lists the same three.
CLOSED_STATUSES = frozenset(
    {ProposalStatus.REJECTED, ProposalStatus.REFUSED, ProposalStatus.DEACTIVATED}
)

# Whom a kelurahan finding can concern: everyone proposed and not yet out.
FINDINGS_STATUSES = tuple(
    s.value
    for s in (
        ProposalStatus.REGISTERED,
        ProposalStatus.CHECKING,
        ProposalStatus.WAITLISTED,
        ProposalStatus.VERIFIED,
        ProposalStatus.ACTIVATED,
    )
)
# Whom a registry snapshot is diffed against: the same. A waiting or pending resident gone
# from the registry or no longer poor is withdrawn by Dinkes (WITHDRAWN_<REASON>).
SNAPSHOT_STATUSES = FINDINGS_STATUSES

_STAGE = {
    ProposalStatus.REGISTERED: 0,
    ProposalStatus.CHECKING: 1,
    ProposalStatus.WAITLISTED: 2,
    ProposalStatus.VERIFIED: 3,
    ProposalStatus.REJECTED: 3,
    ProposalStatus.ACTIVATED: 4,
    ProposalStatus.REFUSED: 4,
    ProposalStatus.DEACTIVATED: 5,
}


def advances(current: ProposalStatus, new: ProposalStatus) -> bool:
    """True when ``new`` is a later stage than ``current`` (the status may move to it)."""
    return _STAGE[new] > _STAGE[current]
